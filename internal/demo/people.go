package demo

import "portico/internal/agent"

// agentSeed is one member of the support team.
type agentSeed struct {
	key, email, name, alias, role string
	// note tells the person trying the demo whose tickets this agent works.
	note string
}

// agentSeeds are the support team; the first is the admin who sets
// everything up.
var agentSeeds = []agentSeed{
	{"alex", "admin@portico.demo", "Alex Morgan", "Alex", agent.RoleAdmin, "admin; English-speaking customers"},
	{"zofia", "zofia@portico.demo", "Zofia Lewandowska", "Zofia L.", agent.RoleAgent, "Polish customers"},
	{"emma", "emma@portico.demo", "Emma Sjöberg", "Emma S.", agent.RoleAgent, "Swedish and English-speaking customers"},
	{"leo", "leo@portico.demo", "Liu Yang", "刘洋 (Leo)", agent.RoleAgent, "Chinese customers"},
}

// companySeed is a customer company.
type companySeed struct{ key, name, domain string }

// companySeeds use the reserved .example domain so that no demo address
// can ever reach a real mailbox.
var companySeeds = []companySeed{
	{"hf", "Harbour & Finch Ltd", "harbourfinch.example"},
	{"bw", "Brightwater Cycles Ltd", "brightwatercycles.example"},
	{"mk", "Meble Kowalczyk Sp. z o.o.", "meblekowalczyk.example"},
	{"nv", "Nordvik Logistik AB", "nordviklogistik.example"},
	{"yl", "杭州云岭茶业有限公司", "yunlingtea.example"},
}

func companyName(key string) string {
	for _, c := range companySeeds {
		if c.key == key {
			return c.name
		}
	}
	return ""
}

// personSeed is a contact at a customer company.
type personSeed struct {
	key, company string
	// Chinese names are written family name first, as one first name, so
	// that they read correctly wherever a full name is shown.
	first, last, email, phone, lang string
	account                         bool
	// note is shown next to the sign-in when there is something to try.
	note string
}

func (p personSeed) displayName() string {
	if p.last == "" {
		return p.first
	}
	return p.first + " " + p.last
}

// personSeeds are the customers. Phone numbers are from ranges kept for
// fiction where a country has one (UK 07700 900xxx, Sweden 070-17406xx).
// Erik Lindqvist is an integration consultant working for two clients: two
// contacts, one login.
var personSeeds = []personSeed{
	{"olivia", "hf", "Olivia", "Bennett", "olivia.bennett@harbourfinch.example", "+44 7700 900123", "en", true, ""},
	{"james", "hf", "James", "Whitaker", "james.whitaker@harbourfinch.example", "", "en", false, ""},
	{"priya", "hf", "Priya", "Shah", "priya.shah@harbourfinch.example", "", "en", true, "sees her colleagues' tickets too"},
	{"ciaran", "bw", "Ciarán", "Murphy", "ciaran@brightwatercycles.example", "", "en", true, ""},
	{"anna", "mk", "Anna", "Kowalczyk", "anna.kowalczyk@meblekowalczyk.example", "+48 601 234 567", "pl", true, ""},
	{"tomasz", "mk", "Tomasz", "Nowak", "", "+48 512 345 678", "pl", true, "signs in with his phone number"},
	{"kasia", "mk", "Katarzyna", "Wiśniewska", "k.wisniewska@meblekowalczyk.example", "", "pl", true, ""},
	{"erik", "nv", "Erik", "Lindqvist", "erik@lindqvist-it.example", "+46 70 174 06 12", "sv", true,
		"two identities: also Brightwater Cycles Ltd"},
	{"sara", "nv", "Sara", "Johansson", "sara.johansson@nordviklogistik.example", "", "sv", true, ""},
	{"johan", "nv", "Johan", "Berg", "", "+46 70 174 06 47", "sv", true, "signs in with his phone number"},
	{"erikbw", "bw", "Erik", "Lindqvist", "erik@lindqvist-it.example", "+46 70 174 06 12", "sv", true, ""},
	{"wang", "yl", "王芳", "", "", "+86 138 0013 8000", "zh-CN", true, "signs in with her phone number"},
	{"liwei", "yl", "李伟", "", "li.wei@yunlingtea.example", "", "zh-CN", true, ""},
	{"chenjing", "yl", "陈静", "", "chen.jing@yunlingtea.example", "+86 139 5712 3456", "zh-CN", true, ""},
}

// groupSeed is an access group and its members.
type groupSeed struct {
	name    string
	members []string
}

var groupSeeds = []groupSeed{
	{"Mobile app beta testers", []string{"olivia", "ciaran", "sara", "liwei"}},
	{"Billing contacts", []string{"james", "kasia", "chenjing"}},
}

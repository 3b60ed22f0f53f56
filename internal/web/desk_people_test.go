package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/internal/web/i18n"
)

// peopleRoutes are the contacts' and companies' pages.
var peopleRoutes = []string{
	"GET /desk/contacts", "POST /desk/contacts", "GET /desk/contacts/{id}", "POST /desk/contacts/{id}",
	"POST /desk/contacts/{id}/account", "POST /desk/contacts/{id}/account/reset",
	"POST /desk/contacts/{id}/identities/{contact}/unlink",
	"GET /desk/companies", "POST /desk/companies", "GET /desk/companies/{id}", "POST /desk/companies/{id}",
}

// peopleAccount is a portal account as the API shows it.
type peopleAccount struct {
	ID         int64  `json:"id"`
	Login      string `json:"login"`
	Locked     bool   `json:"locked"`
	Identities []struct {
		ContactID int64 `json:"contact_id"`
	} `json:"identities"`
}

func (e *testEnv) peopleAccount(t *testing.T, id int64) peopleAccount {
	t.Helper()
	var a peopleAccount
	r := e.call("GET", fmt.Sprintf("/api/v1/accounts/%d", id), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("GET account %d = %d", id, r.Code)
	}
	r.decode(t, &a)
	return a
}

func (a peopleAccount) has(contact int64) bool {
	for _, i := range a.Identities {
		if i.ContactID == contact {
			return true
		}
	}
	return false
}

// peopleContact is a contact as the API shows it.
func (e *testEnv) peopleContact(t *testing.T, id int64) map[string]any {
	t.Helper()
	return e.ok(t, "GET", fmt.Sprintf("/api/v1/contacts/%d", id), nil, http.StatusOK)
}

// peopleDone requires a post to succeed with a redirect to a page that
// shows its confirmation, and returns that page and its address.
func (b *pageBrowser) peopleDone(t *testing.T, path string, form url.Values, notice string) (*page, string) {
	t.Helper()
	p := b.post(path, form)
	if p.Code != http.StatusSeeOther {
		t.Fatalf("POST %s = %d, want 303: %s", path, p.Code, excerpt(settingsMain(p.Body)))
	}
	to := p.Header.Get("Location")
	next := b.get(to).want(t, http.StatusOK).strict(t, to)
	next.has(t, en(t).T(notice))
	return next, to
}

var peopleIDInURL = regexp.MustCompile(`^/desk/(?:contacts|companies)/(\d+)\?`)

func peopleIDOf(t *testing.T, to string) int64 {
	t.Helper()
	m := peopleIDInURL.FindStringSubmatch(to)
	if m == nil {
		t.Fatalf("redirect to %q names no contact or company", to)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestDeskPeopleRefuseAnonymousAndCustomers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		registered := map[string]bool{}
		for _, p := range e.srv.Patterns() {
			registered[p] = true
		}
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		forged := e.browser()
		forged.cookies["portico_desk"] = cust.cookies["portico_session"]
		custAPI := e.customerSignIn(t, w.bob.login, pagePassword)
		before := e.peopleAccount(t, e.peopleAccountID(t, w.ann.contact))
		for _, route := range peopleRoutes {
			if !registered[route] {
				t.Errorf("%s is not registered", route)
				continue
			}
			method, path := fill(route, strconv.FormatInt(w.ann.contact, 10))
			for who, b := range map[string]*pageBrowser{"anonymous": e.browser(), "customer": cust, "forged": forged} {
				var p *page
				if method == http.MethodGet {
					p = b.get(path)
				} else {
					p = b.post(path, url.Values{"first_name": {"Mallory"}, "name": {"Evil"}, "send_via": {"none"}})
				}
				if p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
					t.Errorf("%s %s as %s = %d %q, want a redirect to the desk's sign-in", method, path, who, p.Code, p.Header.Get("Location"))
				}
			}
			if r := e.callAs(custAPI, method, path, nil); r.Code != http.StatusSeeOther {
				t.Errorf("%s %s with a customer API cookie = %d", method, path, r.Code)
			}
		}
		// Nothing changed.
		if c := e.peopleContact(t, w.ann.contact); c["first_name"] != "Ann" {
			t.Errorf("a refused post changed the contact: %v", c)
		}
		after := e.peopleAccount(t, before.ID)
		if len(after.Identities) != len(before.Identities) {
			t.Errorf("a refused post changed the account's identities: %v → %v", before.Identities, after.Identities)
		}
		r := e.call("GET", "/api/v1/companies?q=Evil", nil)
		if items, _, _ := r.list(t); len(items) != 0 {
			t.Errorf("a refused post created a company: %v", items)
		}
	})
}

// peopleAccountID is the account a contact is linked to.
func (e *testEnv) peopleAccountID(t *testing.T, contact int64) int64 {
	t.Helper()
	c := e.peopleContact(t, contact)
	n, err := strconv.ParseInt(fmt.Sprint(c["account_id"]), 10, 64)
	if err != nil {
		t.Fatalf("contact %d has no account: %v", contact, c)
	}
	return n
}

func TestDeskContactsCreateEditSearch(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.deskAgent(t, "agent@portico.test", "agent")

		list := b.get("/desk/contacts").want(t, http.StatusOK).strict(t, "contacts")
		list.has(t, "Ann Lee", "Bob Ray", "Sam Oak", "Acme", loc.N("people.contacts.count", 4))
		if !strings.Contains(list.Body, `aria-current="page" href="/desk/contacts"`) && !strings.Contains(list.Body, `href="/desk/contacts" aria-current="page"`) {
			t.Error("the Contacts link of the navigation is not marked as the current page")
		}
		found := b.get("/desk/contacts?q=sam%40globex").want(t, http.StatusOK)
		found.has(t, "Sam Oak", loc.N("people.contacts.count", 1))
		found.lacks(t, "Ann Lee")

		// A refused contact keeps what was typed, each problem by its field.
		bad := b.post("/desk/contacts", url.Values{"first_name": {""}, "last_name": {"Kept-Lastname"}, "email": {"not-an-address"},
			"phone": {"12"}, "company_id": {strconv.FormatInt(w.globex, 10)}, "language": {"sv"}}).want(t, http.StatusUnprocessableEntity)
		bad.has(t, loc.T("form.required"), loc.T("form.invalid_email"), loc.T("form.invalid_phone"), `value="Kept-Lastname"`, `value="not-an-address"`)
		for _, want := range []string{`id="c-first_name" name="first_name" type="text" value="" maxlength="100" required aria-invalid="true" aria-describedby="c-first_name-error"`,
			`<p class="field-error" id="c-email-error">`, fmt.Sprintf(`<option value="%d" selected>Globex</option>`, w.globex), `<option value="sv" selected>`} {
			if !strings.Contains(bad.Body, want) {
				t.Errorf("the refused form lacks %s", want)
			}
		}

		_, to := b.peopleDone(t, "/desk/contacts", url.Values{"first_name": {" Zoe "}, "last_name": {"Quinn"}, "email": {"ZOE@Example.test"},
			"phone": {"+48 601 234 567"}, "company_id": {strconv.FormatInt(w.acme, 10)}, "language": {"pl"}}, "people.notice.created")
		zoe := peopleIDOf(t, to)
		c := e.peopleContact(t, zoe)
		if c["first_name"] != "Zoe" || c["email"] != "zoe@example.test" || c["phone"] != "+48601234567" || c["language"] != "pl" ||
			fmt.Sprint(c["company_id"]) != fmt.Sprint(w.acme) {
			t.Errorf("created contact = %v", c)
		}

		// Edit: change some fields, clear others.
		b.get(to).want(t, http.StatusOK).has(t, "Zoe Quinn", `value="zoe@example.test"`)
		b.peopleDone(t, fmt.Sprintf("/desk/contacts/%d", zoe), url.Values{"first_name": {"Zoë"}, "last_name": {"Quinn"}, "email": {""},
			"phone": {"+46 70 123 45 67"}, "company_id": {""}, "language": {""}}, "people.notice.saved")
		c = e.peopleContact(t, zoe)
		if c["first_name"] != "Zoë" || c["email"] != nil || c["phone"] != "+46701234567" || c["company_id"] != nil || c["language"] != "" {
			t.Errorf("edited contact = %v", c)
		}
		bad = b.post(fmt.Sprintf("/desk/contacts/%d", zoe), url.Values{"first_name": {"Zoë"}, "phone": {"call me"}, "company_id": {"999999"}}).
			want(t, http.StatusUnprocessableEntity)
		bad.has(t, loc.T("form.invalid_phone"), `value="call me"`)
		if c2 := e.peopleContact(t, zoe); c2["phone"] != "+46701234567" {
			t.Errorf("a refused edit changed the contact: %v", c2)
		}
		b.get("/desk/contacts/999999").want(t, http.StatusNotFound)

		// The contact's tickets and timeline.
		ann := b.get(fmt.Sprintf("/desk/contacts/%d", w.ann.contact)).want(t, http.StatusOK).strict(t, "contact")
		ann.has(t, "Printer on fire", "Old invoice question", loc.N("people.tickets.count", 2), "ann@acme.test",
			loc.T("people.event.account.opened"))
		ann.lacks(t, "Bob's broken chair")

		// Paging: a page holds 25; the next page the rest.
		for i := 0; i < 30; i++ {
			e.contact(t, map[string]any{"first_name": fmt.Sprintf("Pager%02d", i)})
		}
		first := b.get("/desk/contacts?q=Pager").want(t, http.StatusOK)
		first.has(t, loc.N("people.contacts.count", 30))
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first.Body)
		if next == nil {
			t.Fatal("no next page")
		}
		second := b.get(strings.ReplaceAll(next[1], "&amp;", "&")).want(t, http.StatusOK)
		seen := map[string]int{}
		for _, p := range []*page{first, second} {
			for _, m := range regexp.MustCompile(`>(Pager\d\d)</a>`).FindAllStringSubmatch(p.Body, -1) {
				seen[m[1]]++
			}
		}
		if len(seen) != 30 {
			t.Errorf("two pages showed %d distinct contacts, want 30", len(seen))
		}
		if p := b.get("/desk/contacts?q=Pager&cursor=garbage"); p.Code != http.StatusSeeOther {
			t.Errorf("a bad cursor = %d, want a redirect to the first page", p.Code)
		}
	})
}

func TestDeskCompanies(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.deskAgent(t, "agent@portico.test", "agent")

		b.get("/desk/companies").want(t, http.StatusOK).strict(t, "companies").has(t, "Acme", "Globex", loc.N("people.companies.count", 2))
		s := b.get("/desk/companies?q=glob").want(t, http.StatusOK)
		s.has(t, "Globex")
		s.lacks(t, ">Acme<")

		bad := b.post("/desk/companies", url.Values{"name": {"Initech"}, "domain": {"not a domain"}}).want(t, http.StatusUnprocessableEntity)
		bad.has(t, loc.T("people.error.domain"), `value="Initech"`, `value="not a domain"`)
		b.post("/desk/companies", url.Values{"name": {"  "}}).want(t, http.StatusUnprocessableEntity).has(t, loc.T("form.required"))

		_, to := b.peopleDone(t, "/desk/companies", url.Values{"name": {"Initech"}, "domain": {"Initech.example"}}, "people.notice.created")
		initech := peopleIDOf(t, to)
		c := e.ok(t, "GET", fmt.Sprintf("/api/v1/companies/%d", initech), nil, http.StatusOK)
		if c["name"] != "Initech" || c["domain"] != "initech.example" {
			t.Errorf("created company = %v", c)
		}
		b.peopleDone(t, fmt.Sprintf("/desk/companies/%d", initech), url.Values{"name": {"Initech Ltd"}, "domain": {""}}, "people.notice.saved")
		c = e.ok(t, "GET", fmt.Sprintf("/api/v1/companies/%d", initech), nil, http.StatusOK)
		if c["name"] != "Initech Ltd" || c["domain"] != nil {
			t.Errorf("edited company = %v", c)
		}
		b.post(fmt.Sprintf("/desk/companies/%d", initech), url.Values{"name": {""}, "domain": {"x.example"}}).
			want(t, http.StatusUnprocessableEntity).has(t, `value="x.example"`, loc.T("form.required"))

		acme := b.get(fmt.Sprintf("/desk/companies/%d", w.acme)).want(t, http.StatusOK).strict(t, "company")
		acme.has(t, "Ann Lee", "Bob Ray", "Printer on fire", "Bob's broken chair", loc.N("people.contacts.count", 2))
		acme.lacks(t, "Sam Oak")
		b.get("/desk/companies/999999").want(t, http.StatusNotFound)
	})
}

func TestDeskContactAccount(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.deskAgent(t, "agent@portico.test", "agent")
		kim := e.contact(t, map[string]any{"first_name": "Kim", "last_name": "Park", "email": "kim@acme.test", "company_id": w.acme})
		base := fmt.Sprintf("/desk/contacts/%d", kim)
		b.get(base).want(t, http.StatusOK).has(t, loc.T("people.account.none"), loc.T("people.account.open"))

		// SMS needs a phone number the contact lacks: refused by the field.
		b.post(base+"/account", url.Values{"send_via": {"sms"}, "login": {"kim@acme.test"}}).
			want(t, http.StatusUnprocessableEntity).has(t, loc.T("people.error.no_phone"), `value="kim@acme.test"`)
		b.post(base+"/account", url.Values{"send_via": {"none"}, "login": {"nope"}}).
			want(t, http.StatusUnprocessableEntity).has(t, loc.T("people.error.login"))

		// Opened without sending: the password is shown once, on the answer.
		p := b.post(base+"/account", url.Values{"send_via": {"none"}}).want(t, http.StatusOK).strict(t, "opened")
		m := regexp.MustCompile(`password: (\S+) —`).FindStringSubmatch(p.Text())
		if m == nil {
			t.Fatalf("no initial password shown: %s", excerpt(settingsMain(p.Body)))
		}
		acc := e.peopleAccount(t, e.peopleAccountID(t, kim))
		if acc.Login != "kim@acme.test" || !acc.has(kim) || acc.Locked {
			t.Errorf("opened account = %+v", acc)
		}
		pg := b.get(base).want(t, http.StatusOK)
		pg.has(t, "kim@acme.test", loc.T("people.account.active"), loc.T("people.event.account.opened"))
		pg.lacks(t, m[1])
		// Once open, opening again is refused.
		b.post(base+"/account", url.Values{"send_via": {"none"}}).want(t, http.StatusConflict).has(t, loc.T("people.error.has_account"))

		// Another contact with the same login becomes an identity.
		kim2 := e.contact(t, map[string]any{"first_name": "Kim", "last_name": "Globex", "company_id": w.globex})
		b.peopleDone(t, fmt.Sprintf("/desk/contacts/%d/account", kim2), url.Values{"send_via": {"none"}, "login": {"kim@acme.test"}}, "people.notice.linked")
		if acc = e.peopleAccount(t, acc.ID); !acc.has(kim) || !acc.has(kim2) {
			t.Errorf("linked account = %+v", acc)
		}
		pg = b.get(base).want(t, http.StatusOK)
		pg.has(t, "Kim Globex", fmt.Sprintf(`action="%s/identities/%d/unlink"`, base, kim2))

		// A reset code by email.
		b.peopleDone(t, base+"/account/reset", nil, "people.notice.reset")

		// Locking signs the customer out and keeps them out; unlocking lets
		// them in again. The API does the same.
		customer := e.browser()
		signIn := url.Values{"login": {"kim@acme.test"}, "password": {m[1]}}
		customer.post("/support/login", signIn).want(t, http.StatusSeeOther)
		customer.get("/support/me/password").want(t, http.StatusOK)
		b.peopleDone(t, base+"/account/lock", nil, "people.notice.locked")
		if acc = e.peopleAccount(t, acc.ID); !acc.Locked {
			t.Errorf("locked account = %+v", acc)
		}
		b.get(base).want(t, http.StatusOK).has(t, loc.T("people.account.locked"), loc.T("people.account.unlock"))
		if p := customer.get("/support/me/password"); p.Code != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "/support/login") {
			t.Errorf("a locked account's session still works: %d %s", p.Code, p.Header.Get("Location"))
		}
		if p := customer.post("/support/login", signIn); p.Code == http.StatusSeeOther {
			t.Errorf("a locked account signed in")
		}
		b.peopleDone(t, base+"/account/unlock", nil, "people.notice.unlocked")
		if acc = e.peopleAccount(t, acc.ID); acc.Locked {
			t.Errorf("unlocked account = %+v", acc)
		}
		e.ok(t, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), map[string]any{"locked": true}, http.StatusNoContent)
		if acc = e.peopleAccount(t, acc.ID); !acc.Locked {
			t.Errorf("account locked through the API = %+v", acc)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), map[string]any{}).wantFields(t, "locked")
		e.ok(t, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), map[string]any{"locked": false}, http.StatusNoContent)

		// Unlinking removes the identity as the API does.
		b.peopleDone(t, fmt.Sprintf("%s/identities/%d/unlink", base, kim2), nil, "people.notice.unlinked")
		if acc = e.peopleAccount(t, acc.ID); !acc.has(kim) || acc.has(kim2) {
			t.Errorf("after unlinking, account = %+v", acc)
		}
		if c := e.peopleContact(t, kim2); c["account_id"] != nil {
			t.Errorf("unlinked contact still has an account: %v", c)
		}
		b.get(fmt.Sprintf("/desk/contacts/%d", kim2)).want(t, http.StatusOK).has(t, loc.T("people.account.none"), loc.T("people.event.account.identity_unlinked"))
		// An identity not linked, or a contact without an account: not found.
		b.post(fmt.Sprintf("%s/identities/%d/unlink", base, kim2), nil).want(t, http.StatusNotFound)
		b.post(fmt.Sprintf("/desk/contacts/%d/account/reset", kim2), nil).want(t, http.StatusNotFound)
	})
}

func TestDeskPeopleLanguages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		b := e.deskAgent(t, "agent@portico.test", "agent")
		c, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range i18n.Languages {
			b.cookies["portico_lang"] = lang
			loc := c.For(lang)
			for _, path := range []string{"/desk/contacts", "/desk/companies", fmt.Sprintf("/desk/contacts/%d", w.ann.contact),
				fmt.Sprintf("/desk/companies/%d", w.acme)} {
				p := b.get(path).want(t, http.StatusOK)
				if !strings.Contains(p.Body, `lang="`+lang+`"`) {
					t.Errorf("%s in %s is not marked as %s", path, lang, lang)
				}
				if strings.Contains(p.Text(), "people.") {
					i := strings.Index(p.Text(), "people.")
					t.Errorf("%s in %s shows an untranslated id near %q", path, lang, p.Text()[i:min(len(p.Text()), i+40)])
				}
			}
			b.get("/desk/contacts").has(t, loc.T("people.contacts.title"), loc.T("people.field.first_name"))
		}
	})
}

package demo

import "portico/internal/ticket"

// swedishStories are the tickets of Nordvik Logistik, a logistics company
// in Gothenburg.
func swedishStories() []story {
	return []story{
		{
			requester: "sara", source: ticket.SourcePortal, ago: 55 * day, owner: "emma",
			priority: "medium", product: "Online shop",
			subject: "Spårningslänken saknas i orderbekräftelsen",
			body: "Hej!\n\nSedan i fredags saknas spårningslänken i orderbekräftelsen som går ut till våra kunder. Vi har inte " +
				"ändrat något i mallen. Kunderna ringer och frågar var paketen är. Kan ni kolla?\n\nMvh\nSara Johansson\n" +
				"Kundtjänst, Nordvik Logistik",
			steps: []step{
				ask(hour, "Hej Sara!\n\nTack för att du hör av dig. Kan du skicka ett par ordernummer där länken saknas? Då "+
					"kan jag titta på exakt vilka mejl som gick ut.\n\nVänliga hälsningar\nEmma"),
				customer(30*minute, "Till exempel order 58213 och 58217, båda skickade i måndags."),
				note(40*minute, "The template engine update renamed tracking_url to tracking_link; their custom template "+
					"still uses the old name. Adding the old name back as an alias for all customers."),
				resolve(2*hour, "Hej igen!\n\nVi har hittat felet: i fredagens uppdatering bytte en variabel i e-postmallarna "+
					"namn, och er anpassade mall använder det gamla namnet. Nu fungerar det gamla namnet igen, så ni behöver "+
					"inte ändra något. Alla orderbekräftelser från och med nu innehåller spårningslänken.\n\nJag stänger "+
					"ärendet, men svara gärna här om något ser konstigt ut.\n\nEmma"),
			},
		},
		{
			requester: "erik", source: ticket.SourcePortal, ago: 44 * day, owner: "emma",
			priority: "low", product: "API",
			subject: "API-nyckel med endast läsbehörighet för nytt lagersystem",
			body: "Hej,\n\nNordvik byter lagersystem nästa månad. Vi behöver en separat API-nyckel som bara kan läsa " +
				"lagersaldon, så att det nya systemet inte kan ändra något. Går det att ordna?\n\nMvh\nErik Lindqvist\n" +
				"Lindqvist IT, konsult åt Nordvik Logistik",
			steps: []step{
				reply(3*hour, "Hej Erik!\n\nAbsolut. Du kan skapa nyckeln själv under Inställningar → API-nycklar → Ny nyckel. "+
					"Välj rollen ”Endast läsning” och kryssa bara i ”Lager”. Skärmbilden visar var det finns.\n\nEmma",
					screenshot("api-nyckel-installningar.png", infoBlue)),
				customer(70*minute, "Tack, det fungerade direkt!"),
				resolve(20*minute, "Toppen! Då stänger jag ärendet. Lycka till med bytet av lagersystem."),
			},
		},
		{
			requester: "johan", source: ticket.SourcePhone, ago: 37 * day, owner: "emma",
			priority: "high", product: "Inventory",
			subject: "Handdatorerna vid lastkaj 3 synkar inte",
			body: "Johan ringde: handdatorerna vid lastkaj 3 har inte synkat sedan i morse. Skannade kollin syns inte i " +
				"systemet. Övriga kajer fungerar som vanligt.",
			steps: []step{
				note(20*minute, "The access point at dock 3 was replaced yesterday; the handhelds may have joined the guest "+
					"network, which blocks our sync host."),
				ask(10*minute, "Hej Johan! Kan du kolla vilket wifi-nätverk handdatorerna vid kaj 3 är anslutna till? Det "+
					"ska vara ”NVL-Lager”. /Emma"),
				customer(25*minute, "De var på NVL-Gäst. Har bytt nu och de synkar igen."),
				resolve(10*minute, "Perfekt, tack Johan! Be gärna er IT-avdelning ta bort gästnätet från handdatorerna, så "+
					"händer det inte igen. Jag stänger ärendet."),
			},
		},
		{
			requester: "sara", source: ticket.SourceEmail, ago: 25 * day, owner: "emma",
			priority: "medium", product: "Invoicing", reference: "F-30918",
			subject: "Volymrabatten saknas på senaste fakturan",
			body: "Hej,\n\nPå faktura F-30918 har vi inte fått volymrabatten, trots att vi skickade över 5 000 försändelser " +
				"förra månaden. Enligt avtalet har vi 8 % rabatt från 5 000 försändelser.\n\nMvh\nSara Johansson",
			steps: []step{
				note(2*hour, "Alex, could you check the contract? The 8 % tier should apply above 5,000 shipments; "+
					"the invoice run counted 4,870."),
				noteBy(3*hour, "alex", "Checked: 162 shipments were booked on the last day after the invoice run's cut-off. "+
					"The real total is 5,032, so the 8 % tier applies. Credit note CN-2207 issued for the difference."),
				resolve(40*minute, "Hej Sara,\n\nDu har helt rätt. 162 försändelser från månadens sista dag kom inte med i "+
					"underlaget, så rabatten räknades inte. Vi har skickat en kreditnota (CN-2207) på mellanskillnaden till er "+
					"fakturaadress.\n\nVänliga hälsningar\nEmma Sjöberg"),
			},
		},
		{
			requester: "erik", source: ticket.SourcePortal, ago: 9 * day, owner: "emma",
			priority: "high", product: "API",
			subject: "Webhook-signaturen kan inte verifieras efter nyckelbyte",
			body: "Hej,\n\nEfter att vi bytte webhook-hemligheten i går kan vår mottagare inte längre verifiera signaturerna; " +
				"alla anrop avvisas med ”invalid signature”. Logg bifogad.\n\nMvh\nErik",
			files: []attachment{logFile("webhook-verify.log",
				"INFO POST /webhooks/portico shipment.updated",
				"ERROR signature mismatch: expected v1=8c1f04d2, got v1=2a9e77b0",
				"INFO POST /webhooks/portico shipment.updated",
				"ERROR signature mismatch: expected v1=55d0c3a9, got v1=e71b9f12",
				"WARN 38 webhook calls rejected in the last hour",
			)},
			steps: []step{
				note(hour, "For 24 h after a rotation we sign with both secrets, so the header carries two v1= values. "+
					"Their verifier only checks the first one."),
				ask(20*minute, "Hej Erik!\n\nUnder 24 timmar efter ett nyckelbyte signerar vi varje anrop med både den gamla "+
					"och den nya hemligheten, så att ni hinner byta utan avbrott. Signaturhuvudet innehåller då två v1=-värden, "+
					"och er mottagare verkar bara kontrollera det första.\n\nKan du ändra verifieringen så att anropet godkänns "+
					"om något av v1-värdena stämmer, och säga till om det hjälper?\n\nEmma"),
			},
		},
		{
			requester: "johan", source: ticket.SourcePortal, ago: 3 * day, owner: "emma",
			priority: "medium", product: "Inventory",
			subject: "Fel vikt på fraktsedlar för pallar",
			body: "Hej! Fraktsedlarna för pallar visar vikten i gram i stället för kilo, t.ex. 412000 kg i stället för " +
				"412 kg. Gäller bara pallar, inte paket.\n\nJohan",
			steps: []step{
				ask(2*hour, "Hej Johan! Tack, det låter som ett fel hos oss. Kan du skicka en bild på en sådan fraktsedel? /Emma"),
				customer(40*minute, "Här är en från i morse.", screenshot("fraktsedel-pall.png", warnAmber)),
				note(hour, "Pallet labels use the carrier's new template, which expects grams; the unit conversion is "+
					"missing. Bug ENG-1530."),
				reply(30*minute, "Tack! Vi har hittat felet: den nya fraktsedelsmallen för pallar räknar inte om gram till "+
					"kilo. En rättning kommer i morgon. Själva bokningen hos transportören har rätt vikt, så det är bara "+
					"utskriften som blir fel."),
			},
		},
		{
			requester: "sara", source: ticket.SourcePortal, ago: 38 * hour,
			priority: "low", product: "Inventory",
			subject: "Önskemål: exportera returer till Excel",
			body: "Hej! Vi skulle vilja kunna exportera listan med returer till Excel, med orsakskod och datum, till vår " +
				"månadsrapport. Finns det något sådant, eller kan det läggas till?\n\n/Sara",
		},
	}
}

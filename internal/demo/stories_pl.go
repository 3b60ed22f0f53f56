package demo

import (
	"fmt"

	"portico/internal/ticket"
)

// polishStories are the tickets of Meble Kowalczyk, a furniture maker near
// Poznań.
func polishStories() []story {
	return []story{
		{
			requester: "anna", source: ticket.SourcePortal, ago: 58 * day, owner: "zofia",
			priority: "high", product: "Inventory",
			subject: "Import stanów magazynowych z pliku CSV przerywa się z błędem",
			body: "Dzień dobry,\n\nod poniedziałku import stanów magazynowych z pliku CSV zatrzymuje się na wierszu 118 " +
				"z komunikatem „Nieprawidłowa wartość w kolumnie Ilość”. Wcześniej plik w tym samym formacie importował się " +
				"bez problemu. Plik w załączniku.\n\nPozdrawiam\nAnna Kowalczyk",
			files: []attachment{stockCSV("stany-magazynowe.csv")},
			steps: []step{
				ask(2*hour, "Dzień dobry Pani Anno,\n\ndziękuję za plik. W wierszu 118 ilość zapisana jest jako „12,5”, "+
					"czyli z częścią ułamkową. Import przyjmuje ułamki tylko dla produktów sprzedawanych na metry lub kilogramy. "+
					"Czy blat kuchenny jest sprzedawany na metry bieżące?\n\nPozdrawiam\nZofia Lewandowska"),
				customer(hour, "Tak, blaty sprzedajemy na metry bieżące. Produkt dodaliśmy niedawno i chyba nikt nie ustawił jednostki."),
				resolve(30*minute, "W takim razie wystarczy w karcie produktu „Blat kuchenny (mb)” ustawić jednostkę „mb” "+
					"(Produkty → Blat kuchenny → Jednostka miary). Po tej zmianie import przejdzie w całości; sprawdziłam to "+
					"na kopii Pani pliku.\n\nZamykam zgłoszenie. W razie pytań proszę po prostu odpisać."),
			},
		},
		{
			requester: "tomasz", source: ticket.SourcePortal, ago: 46 * day, owner: "zofia",
			priority: "medium", product: "Inventory",
			subject: "Drukarka w magazynie nie drukuje etykiet",
			body: "Dzień dobry, od wczoraj drukarka etykiet w magazynie nic nie drukuje. Aplikacja pokazuje, że etykieta " +
				"została wysłana, ale nic nie wychodzi.\n\nTomasz Nowak, magazyn",
			steps: []step{
				ask(hour, "Dzień dobry Panie Tomaszu,\n\njaki to model drukarki i jak jest podłączona do komputera: przez USB czy przez sieć?"),
				customer(25*minute, "Zebra ZD421, przez USB. Wczoraj informatyk instalował aktualizacje Windowsa."),
				note(15*minute, "Windows update replaced the Zebra driver; label jobs now go out as PDF instead of ZPL. "+
					"Fix: switch the warehouse app's printer mode to raw ZPL."),
				ask(10*minute, "Dziękuję, to wiele wyjaśnia: aktualizacja Windowsa podmieniła sterownik drukarki. Proszę w "+
					"aplikacji magazynowej wejść w Ustawienia → Drukarki, wybrać drukarkę Zebra, zmienić tryb na „ZPL "+
					"(bezpośrednio)” i wydrukować etykietę testową. Czy teraz działa?"),
				customer(20*minute, "Działa, etykieta testowa wydrukowana. Dzięki!"),
				resolve(10*minute, "Świetnie! Zamykam zgłoszenie. Gdyby problem wrócił po kolejnej aktualizacji, wystarczy "+
					"ponownie ustawić tryb ZPL."),
			},
		},
		{
			requester: "kasia", source: ticket.SourceEmail, ago: 39 * day, owner: "zofia",
			priority: "low", product: "Invoicing", reference: "FV/0118/MK",
			subject: "Prośba o fakturę korygującą do FV/0118/MK",
			body: "Dzień dobry,\n\nna fakturze FV/0118/MK podano adres naszej spółki sprzed przeprowadzki (ul. Głogowska 12 " +
				"zamiast ul. Bukowska 40). Proszę o wystawienie faktury korygującej i zaktualizowanie danych na kolejnych " +
				"fakturach.\n\nZ poważaniem\nKatarzyna Wiśniewska\nDział księgowości, Meble Kowalczyk Sp. z o.o.",
			steps: []step{
				resolve(5*hour, "Dzień dobry Pani Katarzyno,\n\nfaktura korygująca FV/KOR/0007/MK została wystawiona i wysłana "+
					"na adres działu księgowości. Nowy adres spółki wpisałam też do danych, z których powstają kolejne faktury.\n\n"+
					"Pozdrawiam\nZofia Lewandowska"),
			},
		},
		{
			requester: "anna", source: ticket.SourcePortal, ago: 27 * day, owner: "zofia",
			priority: "urgent", product: "API",
			subject: "Zamówienia z Allegro przestały spływać do panelu",
			body: "Dzień dobry,\n\nod soboty rano żadne zamówienie z Allegro nie pojawiło się w panelu, a na Allegro mamy " +
				"ich kilkanaście. Klienci czekają na wysyłkę. Proszę o pilną pomoc!\n\nAnna Kowalczyk",
			steps: []step{
				note(25*minute, "The Allegro access token expired on Saturday and the refresh failed, most likely after a "+
					"password change on their Allegro account. The customer has to re-authorise the integration."),
				ask(10*minute, "Dzień dobry Pani Anno,\n\nsprawdziłam: w sobotę wygasło połączenie z kontem Allegro "+
					"(prawdopodobnie po zmianie hasła do Allegro). Proszę zalogować się do panelu, wejść w Integracje → Allegro "+
					"i kliknąć „Połącz ponownie”. Czy po tym nowe zamówienia się pojawiają?"),
				customer(hour, "Połączyłam ponownie i nowe zamówienia już spływają. Brakuje jednak tych z weekendu, to około 14 zamówień."),
				note(20*minute, "Weekend orders need a manual backfill from the Allegro API. Engineering will run it overnight."),
				reply(15*minute, "Dziękuję! Zamówienia z weekendu pobierzemy ręcznie; potrzebujemy na to czasu do jutra rana. "+
					"Dam znać tutaj, gdy będą w panelu."),
				ask(18*hour, "Zamówienia z weekendu (14 sztuk) są już w panelu; lista w załączniku. Proszę o potwierdzenie, "+
					"że wszystko się zgadza.", csvFile("zamowienia-allegro-weekend.csv", ';', allegroOrders()...)),
				customer(2*hour, "Potwierdzam, wszystkie zamówienia są na miejscu. Dziękuję za szybką pomoc!"),
				resolve(15*minute, "Cieszę się, że wszystko już działa. Zamykam zgłoszenie."),
			},
		},
		{
			requester: "tomasz", source: ticket.SourcePortal, ago: 12 * day, owner: "zofia",
			priority: "medium", product: "Mobile app",
			subject: "Nie mogę zalogować się do aplikacji mobilnej",
			body:    "Po zmianie telefonu nie mogę się zalogować do aplikacji. Wpisuję numer i hasło i pokazuje się „Błąd 403”.",
			steps: []step{
				ask(3*hour, "Dzień dobry Panie Tomaszu,\n\nnowy telefon trzeba najpierw zatwierdzić jako urządzenie firmowe. "+
					"Czy może Pan podać wersję aplikacji (Ustawienia → O aplikacji) i przesłać zrzut ekranu z błędem? Wtedy "+
					"sprawdzę, czy to blokada nowego urządzenia.\n\nZofia"),
			},
		},
		{
			requester: "kasia", source: ticket.SourcePortal, ago: 4 * day, owner: "zofia",
			priority: "high", product: "Invoicing",
			subject: "Eksport JPK_V7M nie zawiera faktur z ostatniego dnia miesiąca",
			body: "Dzień dobry,\n\nw wygenerowanym pliku JPK_V7M brakuje 6 faktur wystawionych wieczorem ostatniego dnia " +
				"miesiąca. W zestawieniu sprzedaży w panelu są widoczne. Termin wysyłki JPK mija 25., więc sprawa jest pilna.\n\n" +
				"Katarzyna Wiśniewska",
			steps: []step{
				reply(2*hour, "Dzień dobry Pani Katarzyno,\n\ndziękuję za zgłoszenie. Sprawdzamy, dlaczego te faktury nie "+
					"trafiły do pliku; odezwę się dziś po południu. Termin 25. mamy na uwadze.\n\nZofia"),
				note(hour, "Invoices issued after 23:00 Polish time on the last day are dated in UTC and fall into the next "+
					"month in the JPK export. Engineering ticket ENG-1519."),
				reply(4*hour, "Znaleźliśmy przyczynę: faktury wystawione po godzinie 23:00 ostatniego dnia miesiąca były w "+
					"eksporcie przypisywane do kolejnego miesiąca. Poprawka jest w testach; jutro rano prześlę poprawiony plik JPK_V7M."),
			},
		},
		{
			requester: "anna", source: ticket.SourcePortal, ago: 20 * hour,
			priority: "low", product: "Inventory",
			subject: "Jak dodać drugi magazyn?",
			body: "Dzień dobry, otwieramy drugi magazyn w Swarzędzu i chcielibyśmy prowadzić w systemie osobne stany dla " +
				"obu lokalizacji. Jak to ustawić?\n\nAnna",
		},
		{
			requester: "tomasz", source: ticket.SourcePortal, ago: 3 * hour,
			priority: "medium", product: "Inventory",
			subject: "Etykiety wysyłkowe drukują się podwójnie",
			body:    "Od dzisiaj każda etykieta wysyłkowa DPD drukuje się dwa razy, więc zużywamy dwa razy więcej etykiet.\n\nTomasz",
		},
		{
			requester: "kasia", source: ticket.SourceEmail, ago: 14 * day, owner: "zofia",
			priority: "low", product: "Invoicing",
			subject: "Dostęp do panelu dla nowej księgowej",
			body: "Dzień dobry,\n\nod przyszłego miesiąca fakturami zajmie się u nas nowa księgowa. Proszę o utworzenie dla " +
				"niej konta z dostępem tylko do modułu faktur.\n\nPozdrawiam\nKatarzyna Wiśniewska",
			steps: []step{
				ask(4*hour, "Dzień dobry Pani Katarzyno,\n\nchętnie utworzę konto. Proszę podać imię, nazwisko i adres e-mail "+
					"nowej księgowej. Konto dostanie rolę „Księgowość”, z dostępem tylko do faktur i raportów.\n\nZofia"),
			},
		},
	}
}

// allegroOrders lists the weekend's orders that were fetched by hand.
func allegroOrders() [][]string {
	buyers := []string{"Jan Zieliński", "Magdalena Wójcik", "Piotr Kamiński", "Agnieszka Lewandowska", "Michał Dąbrowski",
		"Ewa Szymańska", "Krzysztof Woźniak", "Joanna Kozłowska", "Paweł Jankowski", "Barbara Mazur",
		"Łukasz Krawczyk", "Natalia Piotrowska", "Marcin Grabowski", "Aleksandra Pawłowska"}
	items := []string{"Krzesło dębowe", "Stół rozkładany", "Komoda 3-szufladowa", "Regał modułowy", "Szafka RTV", "Taboret barowy"}
	rows := [][]string{{"Nr zamówienia Allegro", "Kupujący", "Produkt", "Kwota (PLN)", "Status"}}
	for i, b := range buyers {
		amount := 189 + (i*137)%1400
		rows = append(rows, []string{fmt.Sprintf("AL-%d", 7730418+i*53), b, items[i%len(items)],
			fmt.Sprintf("%d,00", amount), "zaimportowane"})
	}
	return rows
}

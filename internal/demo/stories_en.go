package demo

import "portico/internal/ticket"

// englishStories are the tickets of Harbour & Finch, a London tea
// merchant, and Brightwater Cycles, an Irish bicycle shop.
func englishStories() []story {
	return []story{
		{
			requester: "olivia", source: ticket.SourcePortal, ago: 57 * day, owner: "alex",
			priority: "urgent", product: "Point of sale",
			subject: "Card payments failing on till 2 at Covent Garden",
			body: "Since about 10:40 this morning every card payment on till 2 in our Covent Garden shop fails with " +
				"\"Terminal not responding (E-104)\". Till 1 is fine. We've restarted the till and the card reader twice.\n\n" +
				"It's Saturday and the shop is full. Could someone look at this urgently? Screenshot attached.\n\nOlivia",
			files: []attachment{screenshot("till2-error.png", errorRed)},
			steps: []step{
				ask(20*minute, "Hi Olivia,\n\nSorry about this, I'm on it. E-104 means the till can't reach its card reader "+
					"over your shop network. Could you open Settings → Network on the reader and tell me the IP address it shows?\n\nAlex"),
				customer(12*minute, "It says 192.168.1.23. Till 1's reader shows 192.168.1.22, if that helps."),
				colleague(4*minute, "priya", "Adding to Olivia's note: the landlord's contractor replaced the router in the shop "+
					"on Thursday, in case that matters."),
				note(8*minute, "Router swap gave the reader a new DHCP lease; till 2 is still paired with the old address "+
					"192.168.1.31. Re-pairing remotely from the POS console."),
				ask(15*minute, "Thanks both, that explains it. The new router gave the card reader a different address and "+
					"till 2 was still looking for it at the old one. I've re-paired them remotely. Could you try a small card payment on till 2?"),
				customer(9*minute, "Just did a £1 test and it went through! Thank you so much."),
				resolve(10*minute, "Great to hear. To stop this happening again, please ask whoever manages your router to "+
					"reserve 192.168.1.23 for the card reader (a \"DHCP reservation\"). I'll close this ticket now; just reply "+
					"here if anything comes back.\n\nAlex"),
			},
		},
		{
			requester: "james", source: ticket.SourceEmail, ago: 49 * day, owner: "alex",
			priority: "high", product: "Invoicing", reference: "INV-2291",
			subject: "Invoice INV-2291 charged twice",
			body: "Hello,\n\nOur card statement shows two charges of £249.00 on the same day for invoice INV-2291 " +
				"(monthly subscription). Please refund the duplicate. An extract of the statement is attached.\n\n" +
				"Kind regards,\nJames Whitaker\nFinance, Harbour & Finch Ltd",
			files: []attachment{csvFile("statement-extract.csv", ',',
				[]string{"Description", "Card", "Amount (GBP)", "Reference"},
				[]string{"PORTICO SOFTWARE LTD", "**** 9921", "-249.00", "INV-2291"},
				[]string{"PORTICO SOFTWARE LTD", "**** 9921", "-249.00", "INV-2291"},
				[]string{"ROYAL MAIL GROUP", "**** 9921", "-38.40", "RM-88412"},
				[]string{"TEAWORKS WHOLESALE", "**** 9921", "-1212.75", "PO-1187"},
			)},
			steps: []step{
				note(2*hour, "Payment provider shows two successful charges 41 seconds apart: 'Pay now' was clicked twice "+
					"while the invoice page was slow that morning. Refunding the second charge."),
				resolve(25*minute, "Dear James,\n\nYou're quite right, and I'm sorry for the trouble: the card was charged "+
					"twice for INV-2291. I have refunded the second charge of £249.00 today; depending on your bank it will "+
					"show on your statement within 5–10 working days.\n\nWe have also fixed the invoice page so that a second "+
					"click can no longer start another payment.\n\nBest regards,\nAlex Morgan\nPortico Support"),
			},
		},
		{
			requester: "priya", source: ticket.SourcePortal, ago: 41 * day, owner: "alex",
			priority: "medium", product: "API",
			subject: "order.paid webhooks arrive without line_items",
			body: "Hi,\n\nSince yesterday afternoon our order.paid webhooks no longer contain the line_items array, so our " +
				"warehouse system can't create pick lists. The payload still has the order total and the customer. " +
				"Nothing changed on our side. Log excerpt from our receiver attached.\n\nThanks,\nPriya",
			files: []attachment{logFile("webhook-receiver.log",
				"INFO POST /hooks/portico order.paid id=evt_51K2 bytes=1184",
				"WARN evt_51K2: order 40917 has no line_items, skipping pick list",
				"INFO POST /hooks/portico order.paid id=evt_51K9 bytes=1176",
				"WARN evt_51K9: order 40918 has no line_items, skipping pick list",
				"ERROR pick-list queue: 14 orders waiting without items",
			)},
			steps: []step{
				ask(50*minute, "Hi Priya,\n\nThanks for the log. Could you send me the X-Portico-Delivery header of one "+
					"affected delivery? That lets me find the exact payload we sent.\n\nAlex"),
				customer(35*minute, "Sure: evt_51K9 has delivery id dlv_7f3a1c2e. It also happens for order.refunded."),
				note(hour, "Reproduced. Regression from Tuesday's release: line_items is only included when the "+
					"subscription was created with expand=line_items. Engineering is on it (ENG-1432)."),
				reply(30*minute, "We've confirmed it's a regression on our side from Tuesday's release, not something you "+
					"changed. Our engineers are working on a fix and I'll update you here as soon as it's out. In the "+
					"meantime you can fetch the items with GET /v2/orders/{id}?expand=line_items."),
				ask(day+3*hour, "The fix is released: deliveries since 14:00 include line_items again, and we've re-sent "+
					"every order.paid and order.refunded event from the last two days. Could you confirm your pick lists look right now?"),
				customer(2*hour, "Confirmed, all 14 waiting orders came through with their items. Thanks for the quick fix and the re-send!"),
				resolve(20*minute, "Thanks for confirming, Priya. Closing this one; sorry again for the disruption."),
			},
		},
		{
			requester: "olivia", source: ticket.SourcePortal, ago: 27 * day, owner: "emma",
			priority: "low", product: "Online shop",
			subject: "Selling a gift box of three teas as one product",
			body: "Hello! For our new gift range we'd like to sell a box with three of our teas (Earl Grey, Darjeeling and " +
				"Lapsang Souchong) as one product, but stock should still come off each tea. Is that possible in the shop?",
			steps: []step{
				ask(3*hour, "Hi Olivia,\n\nYes, that's what bundles are for. Go to Products → New product → Bundle and add "+
					"the three teas as components. When a bundle sells, stock comes off each component. The screenshot shows "+
					"where to find it.\n\nWould you like me to set up the first one with you on a short call?\n\nEmma",
					screenshot("bundle-settings.png", infoBlue)),
				customer(80*minute, "No need, I've managed it, thanks! One question: can the bundle have its own price, "+
					"lower than the three teas together?"),
				resolve(40*minute, "Yes: a bundle has its own price, and stock still comes off the components. You can give "+
					"it its own photos and description too. Enjoy the new gift range!\n\nEmma"),
			},
		},
		{
			requester: "priya", source: ticket.SourcePortal, ago: 6 * day, owner: "alex",
			priority: "high", product: "API",
			subject: "429 Too Many Requests during nightly product sync",
			body: "Hi Alex,\n\nOur nightly product sync has started failing with 429 Too Many Requests on " +
				"PUT /v2/products/{id} after a few hundred updates. We sync about 2,300 products each night. " +
				"Log attached. Did the limits change?\n\nPriya",
			files: []attachment{logFile("nightly-sync.log",
				"INFO sync started: 2314 products, 40 workers",
				"INFO 300/2314 updated",
				"WARN PUT /v2/products/88213 -> 429 Too Many Requests (retry-after 1s)",
				"WARN PUT /v2/products/88214 -> 429 Too Many Requests (retry-after 1s)",
				"ERROR giving up on 88213 after 5 retries",
				"ERROR sync finished: 1127 updated, 1187 failed",
			)},
			steps: []step{
				note(40*minute, "They run 40 parallel workers on one key; the per-key limit is 10 requests/s and has not "+
					"changed. The batch endpoint takes 100 products per call."),
				ask(25*minute, "Hi Priya,\n\nThe limits haven't changed: each API key may make 10 requests per second, and "+
					"your sync sends up to 40 at once. Rather than slowing it down, I'd suggest PUT /v2/products:batch, which "+
					"takes up to 100 products per call: your whole catalogue in 24 requests.\n\nCould you try it in tonight's "+
					"run and let me know how it goes?\n\nAlex"),
			},
		},
		{
			requester: "james", source: ticket.SourceEmail, ago: 30 * hour,
			product: "Invoicing", reference: "INV-2410",
			subject: "VAT number missing from this month's invoice",
			body: "Hello,\n\nInvoice INV-2410 does not show our VAT registration number, which our accountants need for " +
				"the VAT return. It was on previous invoices. Could you reissue it?\n\nKind regards,\nJames Whitaker",
		},
		{
			requester: "olivia", source: ticket.SourcePortal, ago: 7 * hour,
			priority: "medium", product: "Point of sale",
			subject: "Receipt printer prints blank receipts after changing the paper roll",
			body: "Since we changed the paper roll on till 1 this morning, receipts come out completely blank. The printer " +
				"feeds the paper and cuts it, there's just nothing on it. Screenshot of the printer settings attached.",
			files: []attachment{screenshot("printer-settings.png", warnAmber)},
		},
		{
			requester: "ciaran", source: ticket.SourcePortal, ago: 54 * day, owner: "emma",
			priority: "low", product: "Online shop",
			subject: "Customers booking workshop slots online",
			body: "Hi there,\n\nWe'd like customers to book bike service slots in our workshop through the online shop, " +
				"with at most six bookings a day. Is that something the shop can do?\n\nCheers,\nCiarán",
			steps: []step{
				reply(4*hour, "Hi Ciarán,\n\nIt can: create a product of the type \"Appointment\" (Products → New product → "+
					"Appointment), set the duration and a daily capacity of 6, and publish it in your shop. Customers then pick "+
					"a free slot when they order, and bookings show up under Orders with their date and time.\n\nEmma"),
				customer(day, "Set it up yesterday and we already have nine bookings for next week. Brilliant, thanks!"),
				resolve(2*hour, "Great to hear! I'm closing this ticket; reply here if you need anything else."),
			},
		},
		{
			requester: "ciaran", source: ticket.SourcePhone, ago: 33 * day, owner: "alex",
			priority: "medium", product: "Point of sale",
			subject: "Gift card balance shows €0.00 at the till",
			body: "Ciarán called: gift cards bought in the online shop show a balance of €0.00 when scanned at the till " +
				"in the Galway shop. The online balance is correct. Started this week; about ten customers affected so far.",
			steps: []step{
				note(30*minute, "Gift card sync between shop and POS stopped on Monday after the certificate rotation. "+
					"Restarted the sync worker; balances are catching up."),
				ask(hour, "Hi Ciarán,\n\nThanks for the call earlier. We found the cause: the job that copies gift card "+
					"balances from the online shop to your tills had stopped on Monday. It's running again and the balances "+
					"have caught up.\n\nCould you scan one of the affected cards at the till and check it shows the right balance?\n\nAlex"),
				customer(2*hour, "Just scanned one for a customer at the counter: €50.00, which is right. Thanks!"),
				resolve(15*minute, "Perfect, thanks for checking. We've added monitoring so we notice straight away if that "+
					"job stops again. Closing the ticket."),
			},
		},
		{
			requester: "erikbw", source: ticket.SourcePortal, ago: 15 * day, owner: "alex",
			priority: "high", product: "Inventory",
			subject: "Stock levels in the web shop lag hours behind the warehouse",
			body: "Hi,\n\nI look after the integration between Brightwater's web shop and their warehouse. Since last week " +
				"the stock levels in the shop are 3–6 hours behind the warehouse, so customers buy bikes that are already " +
				"sold out. Our side only receives inventory webhooks now and then.\n\nBest regards,\nErik Lindqvist\n" +
				"Lindqvist IT, for Brightwater Cycles",
			steps: []step{
				ask(90*minute, "Hi Erik,\n\nThanks for the detailed report. I'm looking at the webhook deliveries to your "+
					"endpoint now. Could you attach your receiver's log from this morning in the meantime?\n\nAlex"),
				customer(40*minute, "Here you go. We've only seen a handful of deliveries since midnight.",
					logFile("inventory-webhooks.log",
						"INFO webhook inventory.updated sku=BW-ROAD-54 qty=3",
						"INFO webhook inventory.updated sku=BW-GRAVEL-56 qty=0",
						"WARN no inventory webhooks received for 47 min",
						"WARN no inventory webhooks received for 112 min",
						"INFO webhook inventory.updated sku=BW-KIDS-20 qty=11",
					)),
				note(hour, "Their endpoint answered 502 for three days last week, so the subscription was paused "+
					"automatically after 500 failures. Re-enabled it; about 18,000 missed events need a replay."),
				reply(30*minute, "Found it: after your endpoint answered with errors for three days last week, our system "+
					"paused the inventory webhook subscription, as it does to protect receivers. I've switched it back on and "+
					"we're replaying the roughly 18,000 events you missed. That will take a few hours; I'll update you here when it's done."),
			},
		},
		{
			requester: "ciaran", source: ticket.SourcePortal, ago: 58 * hour,
			priority: "high", product: "Mobile app",
			subject: "Mobile app crashes when scanning barcodes on Android 14",
			body: "Hi,\n\nSince the latest update the mobile app closes as soon as I open the barcode scanner on our Samsung " +
				"tablets (Android 14). On my iPhone it works. We use the scanner for stocktaking, so this is blocking us. " +
				"Screenshot of the error attached.\n\nCiarán",
			files: []attachment{screenshot("scanner-crash.png", errorRed)},
			steps: []step{
				noteBy(3*hour, "emma", "Two beta testers reported the same crash. The mobile team traced it to the camera "+
					"permission change in Android 14; build 5.2.1 with the fix is in review."),
			},
		},
		{
			requester: "ciaran", source: ticket.SourcePortal, ago: 22 * day, owner: "alex",
			priority: "medium", product: "Point of sale",
			subject: "Refund to a customer's card did not arrive",
			body: "Hi,\n\nWe refunded €189.00 to a customer's card at the till last week (receipt 2231-0457), but the customer " +
				"says the money never arrived. The till shows the refund as completed. What can we do?\n\nCiarán",
			steps: []step{
				ask(2*hour, "Hi Ciarán,\n\nI can see the refund at our end too. Could you ask the customer for the last four "+
					"digits of the card and when she last checked her statement? Then I can trace it with the card processor.\n\nAlex"),
				customer(5*hour, "The card ends in 4417 and she checked yesterday evening."),
				note(30*minute, "Refund shows as 'submitted' at the acquirer but was never settled. Opened a case with "+
					"them, reference ACQ-55810."),
				reply(20*minute, "Thanks. The refund left us correctly but is stuck with the card processor. I've opened a case "+
					"with them (reference ACQ-55810) and asked them to push it through. They usually answer within three "+
					"working days; I'll keep you posted here."),
				reply(3*day, "Quick update: the card processor has confirmed the refund and says it will reach the customer's "+
					"account within two working days. I'll close the ticket once they confirm the payout."),
			},
		},
		{
			requester: "olivia", source: ticket.SourcePortal, ago: 11 * day, owner: "emma",
			priority: "medium", product: "Online shop",
			subject: "Loyalty points not added for Apple Pay orders",
			body: "Hi,\n\nCustomers who pay with Apple Pay in the web shop don't get their loyalty points; card and PayPal " +
				"orders are fine. Two customers have complained this week. Example orders: 41822 and 41840.\n\nOlivia",
			steps: []step{
				reply(3*hour, "Hi Olivia,\n\nThanks for the examples. I can reproduce it: orders paid with Apple Pay skip "+
					"the loyalty step. I've passed it to our developers with your two orders.\n\nEmma"),
				noteBy(5*hour, "alex", "Confirmed bug: Apple Pay wallet payments bypass the hook that awards points. "+
					"Fix scheduled for Thursday's release (ENG-1497)."),
				setPriority(20*minute, "high"),
				reply(day, "Update: the fix is planned for Thursday's release. Once it's out, we'll add the missing points to "+
					"every Apple Pay order since the start of the month, so your customers don't need to do anything."),
			},
		},
	}
}

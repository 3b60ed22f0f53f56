package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portico/internal/store/storetest"
)

// browser is a headless Chromium tab on a test server.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
	prefix    string
}

// newBrowser starts Debian's Chromium when PORTICO_TEST_BROWSER=1, and
// skips the test otherwise.
func newBrowser(t *testing.T, base, prefix string) *browser {
	t.Helper()
	if os.Getenv("PORTICO_TEST_BROWSER") != "1" {
		t.Skip("set PORTICO_TEST_BROWSER=1 to run browser tests")
	}
	exec := "/usr/bin/chromium"
	if _, err := os.Stat(exec); err != nil {
		t.Fatalf("PORTICO_TEST_BROWSER=1 but %s is missing: %v", exec, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dir := os.Getenv("PORTICO_TEST_ARTIFACTS")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &browser{t: t, ctx: ctx, base: base, artifacts: dir, prefix: prefix}
}

// sibling is another tab of the same Chromium in a browser context of its
// own, so that its cookies are apart: a second person at another computer.
func (b *browser) sibling(prefix string) *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.t.Fatalf("open a second browser context: %v", err)
	}
	return &browser{t: b.t, ctx: ctx, base: b.base, artifacts: b.artifacts, prefix: prefix}
}

// do runs steps with a time limit.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval returns the value of a JavaScript expression, awaited when it is a
// promise.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitUntil polls a JavaScript condition: pages load through htmx as well
// as by full navigation, so no single browser event marks "loaded".
func (b *browser) waitUntil(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.readyState === 'complete' && !!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.shot("timeout-" + strings.ReplaceAll(what, " ", "-"))
	b.t.Fatalf("waiting for %s: %s never held on %s", what, cond, eval[string](b, "location.href"))
}

// open navigates to a path and waits for the page.
func (b *browser) open(path, cond string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
	b.waitUntil(path, cond)
}

// click clicks the first element matching a CSS selector.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// text is the visible text of the page's main content.
func (b *browser) text() string {
	return eval[string](b, "(document.querySelector('main') || document.body).innerText")
}

// shot saves a screenshot of the whole page into PORTICO_TEST_ARTIFACTS.
// The page is scrolled to its top first: a page scrolled down (to a
// message's anchor, say) would show its sticky header in the middle.
func (b *browser) shot(name string) {
	if b.artifacts == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("scrollTo(0, 0), true")); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\?&=:*"<>|`, r) {
			return '-'
		}
		return r
	}, name)
	path := filepath.Join(b.artifacts, b.prefix+"-"+name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// phone resizes the window to a phone's width, or back.
func (b *browser) viewport(w, h int64) {
	b.t.Helper()
	b.do("viewport", chromedp.EmulateViewport(w, h))
}

// TestBrowserCustomerJourney walks the journey a customer takes, once in
// English and once in Chinese: sign in, dashboard, a figure, the list,
// search, a ticket, a reply with two files, close, rate, a new ticket, a
// draft, the CSV export.
func TestBrowserCustomerJourney(t *testing.T) {
	for _, lang := range []struct {
		code                         string
		openLabel, closedText, draft string
	}{
		{"en", "Open", "Closed", "Draft"},
		{"zh-CN", "处理中", "已关闭", "草稿"},
	} {
		t.Run(lang.code, func(t *testing.T) {
			e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
			ts := httptest.NewServer(e.srv)
			// The ticket page keeps a live stream open: end it, or the
			// server waits for the browser, which goes after it.
			defer func() { e.srv.EndStreams(); ts.Close() }()
			b := newBrowser(t, ts.URL, "journey-"+lang.code)

			co := e.company(t, "Nordic Freight")
			e.setPortal(t, map[string]any{"allow_customer_close": true, "ticket_permission": "company"})
			ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "last_name": "Berg", "email": "ann@freight.test",
				"company_id": co, "language": lang.code})
			e.as(t, ann, "PATCH", "/me", map[string]any{"language": lang.code}, 200)
			vpn := id(t, e.ticket(t, ann.contact, "VPN drops every hour", map[string]any{"body": "Since the update on Monday."}), "id")
			e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", vpn), map[string]any{"body": "Which client version do you use?"}, 201)
			e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", vpn), map[string]any{"body": "INTERNAL-ONLY note", "internal": true}, 201)
			for _, s := range []string{"Printer on floor 2 jams", "Invoice 4471 is wrong", "网络很慢", "New laptop for Per"} {
				e.ticket(t, ann.contact, s, map[string]any{"body": "Details: " + s})
			}

			// Sign in.
			b.open("/support/", "document.querySelector('#login')")
			b.shot("01-login")
			b.do("sign in", chromedp.SendKeys(chromedp.CSS("#login"), "ann@freight.test"),
				chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
			b.click("form[action$='/login'] button[type=submit]")
			b.waitUntil("dashboard", "document.querySelector('.figures')")
			if got := eval[string](b, "document.documentElement.lang"); got != lang.code {
				t.Errorf("<html lang> = %q, want %q", got, lang.code)
			}
			if text := b.text(); !strings.Contains(text, lang.openLabel) {
				t.Errorf("the dashboard does not say %q:\n%s", lang.openLabel, text)
			}
			b.shot("02-dashboard")

			// A figure opens the list of exactly its tickets.
			b.click("a.figure-waiting_on_me")
			b.waitUntil("figure list", "location.pathname === '/support/tickets' && location.search.includes('waiting_on_me')")
			b.waitUntil("figure rows", "document.querySelectorAll('a.subject-link').length === 1")
			if text := b.text(); !strings.Contains(text, "VPN drops every hour") {
				t.Errorf("the waiting-on-me list lacks the VPN ticket:\n%s", text)
			}
			b.shot("03-figure-list")

			// The whole list, then a search.
			b.click("nav a[href='/support/tickets']")
			b.waitUntil("list", "document.querySelectorAll('a.subject-link').length === 5")
			b.shot("04-list")
			b.do("search", chromedp.SendKeys(chromedp.CSS("#q"), "网络"))
			b.click("form.filters button[type=submit]")
			b.waitUntil("search results", "location.search.includes('q=') && document.querySelectorAll('a.subject-link').length === 1")
			if text := b.text(); !strings.Contains(text, "网络很慢") {
				t.Errorf("search for 网络 does not show 网络很慢:\n%s", text)
			}
			b.shot("05-search")

			// Open the VPN ticket: the agent's reply shows, the note never.
			b.open(fmt.Sprintf("/support/tickets/%d", vpn), "document.querySelector('#reply-body')")
			if text := eval[string](b, "document.body.innerText"); !strings.Contains(text, "Which client version") || strings.Contains(text, "INTERNAL-ONLY") {
				t.Errorf("ticket page shows the wrong messages:\n%s", text)
			}
			b.shot("06-ticket")

			// Reply with two files.
			dir := t.TempDir()
			files := []string{filepath.Join(dir, "client-log.txt"), filepath.Join(dir, "settings.txt")}
			for i, f := range files {
				if err := os.WriteFile(f, []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b.do("write reply", chromedp.SendKeys(chromedp.CSS("#reply-body"), "Version 5.2, logs attached."),
				chromedp.SetUploadFiles(chromedp.CSS("#reply-files"), files))
			b.click("form[action$='/reply'] button[type=submit]")
			b.waitUntil("reply shown", "document.body.innerText.includes('Version 5.2, logs attached.') && document.body.innerText.includes('settings.txt')")
			d := e.as(t, ann, "GET", fmt.Sprintf("/tickets/%d", vpn), nil, 200)
			msgs := d["messages"].([]any)
			if last := msgs[len(msgs)-1].(map[string]any); len(last["attachments"].([]any)) != 2 {
				t.Errorf("the reply has %d files, want 2", len(last["attachments"].([]any)))
			}
			b.shot("07-replied")

			// Close, then rate.
			b.click("details.confirm summary")
			b.click("form[action$='/close'] button[type=submit]")
			b.waitUntil("closed", "document.querySelector('form[action$=\"/rating\"]')")
			if text := eval[string](b, "document.body.innerText"); !strings.Contains(text, lang.closedText) {
				t.Errorf("the closed ticket does not say %q", lang.closedText)
			}
			b.shot("08-closed")
			b.click("label[for='score-5']")
			b.do("comment", chromedp.SendKeys(chromedp.CSS("#rating-comment"), "Quick and clear."))
			b.click("form[action$='/rating'] button[type=submit]")
			b.waitUntil("rated", "document.querySelector('blockquote.rating-comment')?.innerText.includes('Quick and clear.')")
			rt := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", vpn), nil, 200)
			if id(t, rt, "score") != 5 || rt["comment"] != "Quick and clear." {
				t.Errorf("rating = %v", rt)
			}
			b.shot("09-rated")

			// A new ticket.
			b.open("/support/tickets/new", "document.querySelector('#subject')")
			b.shot("10-new")
			b.do("new ticket", chromedp.SendKeys(chromedp.CSS("#subject"), "Badge reader at the door"),
				chromedp.SendKeys(chromedp.CSS("#body"), "It beeps red for everyone since 8:00."),
				chromedp.SetUploadFiles(chromedp.CSS("#files"), files[:1]))
			b.click("button[name=draft][value='0']")
			b.waitUntil("ticket created", "/^\\/support\\/tickets\\/\\d+$/.test(location.pathname) && document.body.innerText.includes('Badge reader at the door')")
			b.shot("11-created")

			// A draft.
			b.open("/support/tickets/new", "document.querySelector('#subject')")
			b.do("draft", chromedp.SendKeys(chromedp.CSS("#subject"), "Half-written idea"))
			b.click("button[name=draft][value='1']")
			b.waitUntil("draft saved", "/^\\/support\\/tickets\\/\\d+$/.test(location.pathname) && document.body.innerText.includes('Half-written idea')")
			b.open("/support/tickets?view=drafts", "document.querySelectorAll('a.subject-link').length === 1")
			if text := b.text(); !strings.Contains(text, "Half-written idea") || !strings.Contains(text, lang.draft) {
				t.Errorf("the drafts view:\n%s", text)
			}
			b.shot("12-drafts")

			// Export the list as CSV through its link, with the session.
			b.open("/support/tickets?view=all&sort=subject&order=asc", "document.querySelector('a[href*=\"tickets.csv\"]')")
			csvText := eval[string](b, `(async () => {
				const a = document.querySelector('a[href*="tickets.csv"]');
				const r = await fetch(a.href);
				return r.status + "\n" + r.headers.get('content-type') + "\n" + await r.text();
			})()`)
			if !strings.HasPrefix(csvText, "200\ntext/csv") || !strings.Contains(csvText, "Badge reader at the door") || strings.Contains(csvText, "Half-written") {
				t.Errorf("export through the link:\n%.500s", csvText)
			}

			// The same pages on a phone.
			b.viewport(375, 812)
			b.open("/support/", "document.querySelector('.figures')")
			b.shot("13-phone-dashboard")
			b.open("/support/tickets", "document.querySelectorAll('a.subject-link').length > 0")
			if w := eval[float64](b, "document.documentElement.scrollWidth"); w > 375 {
				t.Errorf("the list is %.0f px wide on a 375 px screen", w)
			}
			b.shot("14-phone-list")
			b.open(fmt.Sprintf("/support/tickets/%d", vpn), "document.querySelector('main')")
			if w := eval[float64](b, "document.documentElement.scrollWidth"); w > 375 {
				t.Errorf("the ticket page is %.0f px wide on a 375 px screen", w)
			}
			b.shot("15-phone-ticket")
		})
	}
}

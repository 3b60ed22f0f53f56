package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var deskRowLink = regexp.MustCompile(`<td class="col-id"[^>]*><a href="/desk/tickets/(\d+)">`)
var deskNextLink = regexp.MustCompile(`<a class="btn btn-small" href="([^"]+)" rel="next">`)

// deskRows reads the ticket ids of an inbox page, in order.
func deskRows(p *page) []int64 {
	var out []int64
	for _, m := range deskRowLink.FindAllStringSubmatch(p.Body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func deskNext(p *page) string {
	if m := deskNextLink.FindStringSubmatch(p.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func TestDeskInbox(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		ada := e.contact(t, map[string]any{"first_name": "Ada", "last_name": "Byron"})
		stages := e.stages(t)
		var ids, mine []int64
		for i := range 62 {
			extra := map[string]any{}
			if i%4 == 0 {
				extra["owner_id"] = e.adminID
				extra["stage_id"] = stages[1]
			}
			if i == 61 {
				extra["stage_id"] = stages[3]
			}
			id := id(t, e.ticket(t, ada, fmt.Sprintf("Inbox ticket %d", i), extra), "id")
			ids = append(ids, id)
			if i%4 == 0 {
				mine = append(mine, id)
			}
		}
		admin := e.browser()
		admin.deskSignIn(t, "admin@portico.test", "correct horse")

		t.Run("keyset pages show every ticket once, newest or oldest first", func(t *testing.T) {
			for _, order := range []string{"", "oldest"} {
				path := "/desk/?status=any"
				if order != "" {
					path += "&sort=" + order
				}
				var got []int64
				pages := 0
				for path != "" {
					p := admin.get(path).want(t, http.StatusOK).strict(t, "inbox")
					got = append(got, deskRows(p)...)
					if pages++; pages > 1 {
						p.has(t, loc.T("desk.inbox.first_page"))
					}
					path = deskNext(p)
					if path != "" && (!regexp.MustCompile(`status=any`).MatchString(path) || order != "" && !regexp.MustCompile(`sort=oldest`).MatchString(path)) {
						t.Errorf("the next page %q leaves the view", path)
					}
				}
				want := slices.Clone(ids)
				if order == "" {
					slices.Reverse(want)
				}
				if pages != 3 || !slices.Equal(got, want) {
					t.Errorf("%q: %d pages of %v, want %v", order, pages, got, want)
				}
			}
		})

		t.Run("views and filters", func(t *testing.T) {
			p := admin.get("/desk/?view=mine").want(t, http.StatusOK)
			want := slices.Clone(mine)
			slices.Reverse(want)
			if got := deskRows(p); !slices.Equal(got, want) {
				t.Errorf("mine = %v, want %v", got, want)
			}
			p.has(t, loc.N("desk.inbox.count", len(mine)), `aria-current="page">`+loc.T("desk.view.mine"))
			up := admin.get("/desk/?view=unassigned").want(t, http.StatusOK)
			up.has(t, loc.N("desk.inbox.count", 45))
			un := deskRows(up)
			if len(un) != 25 || slices.Contains(un, mine[0]) || slices.Contains(un, ids[61]) {
				t.Errorf("unassigned and open, first page = %v", un)
			}
			p = admin.get(fmt.Sprintf("/desk/?stage=%d&owner=%d", stages[1], e.adminID)).want(t, http.StatusOK)
			if got := deskRows(p); len(got) != len(mine) {
				t.Errorf("stage + owner = %v", got)
			}
			p.has(t, `<option value="`+strconv.FormatInt(stages[1], 10)+`" selected>`, loc.T("desk.inbox.clear"))
			closed := deskRows(admin.get("/desk/?status=closed").want(t, http.StatusOK))
			if !slices.Equal(closed, []int64{ids[61]}) {
				t.Errorf("closed = %v", closed)
			}
			found := deskRows(admin.get("/desk/?status=any&q="+"ticket+17").want(t, http.StatusOK))
			if !slices.Contains(found, ids[17]) {
				t.Errorf("search found %v", found)
			}
			empty := admin.get("/desk/?q=nothing-like-this").want(t, http.StatusOK)
			empty.has(t, loc.T("desk.inbox.empty"), loc.T("desk.inbox.empty_filtered"))
		})

		t.Run("a bad cursor starts the view again", func(t *testing.T) {
			p := admin.get("/desk/?view=unassigned&cursor=bogus").want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/desk/?view=unassigned" {
				t.Errorf("went to %q", p.Header.Get("Location"))
			}
		})
		t.Run("rows escape what customers wrote", func(t *testing.T) {
			evil := e.contact(t, map[string]any{"first_name": `<b>Eve</b>`, "last_name": "O'Hara & Co"})
			e.ticket(t, evil, `<script>alert("x")</script> & 'more'`, nil)
			p := admin.get("/desk/?status=any").want(t, http.StatusOK).strict(t, "inbox")
			for _, s := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;more&#39;</a>", "&lt;b&gt;Eve&lt;/b&gt; O&#39;Hara &amp; Co</td>"} {
				if !strings.Contains(p.Body, s) {
					t.Errorf("the inbox lacks %q", s)
				}
			}
			for _, s := range []string{"<script>", "<b>"} {
				if strings.Contains(p.Body, s) {
					t.Errorf("the inbox shows %q unescaped", s)
				}
			}
		})
	})
}

// stages lists the ids of the default pipeline's stages.
func (e *testEnv) stages(t *testing.T) []int64 {
	t.Helper()
	var pipelines struct {
		Items []struct {
			Stages []struct {
				ID int64 `json:"id"`
			} `json:"stages"`
		} `json:"items"`
	}
	e.call("GET", "/api/v1/pipelines", nil).decode(t, &pipelines)
	var out []int64
	for _, st := range pipelines.Items[0].Stages {
		out = append(out, st.ID)
	}
	return out
}

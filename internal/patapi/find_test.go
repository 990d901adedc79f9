package patapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// pager serves names as List's pages of $top, in the order given, counting
// the pages asked for; the continuation token is the offset of the page.
type pager struct {
	names []string
	pages atomic.Int32
	mu    sync.Mutex
	sorts []string // sortByOption of every request
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.pages.Add(1)
	q := r.URL.Query()
	p.mu.Lock()
	p.sorts = append(p.sorts, q.Get("sortByOption"))
	p.mu.Unlock()
	top, _ := strconv.Atoi(q.Get("$top"))
	from, _ := strconv.Atoi(q.Get("continuationToken"))
	to := min(from+top, len(p.names))
	page := pagedPatTokens{PatTokens: []PatToken{}}
	for i := from; i < to; i++ {
		page.PatTokens = append(page.PatTokens, PatToken{DisplayName: p.names[i], AuthorizationID: fmt.Sprintf("id-%05d", i)})
	}
	next := ""
	if to < len(p.names) {
		next = strconv.Itoa(to)
	}
	page.ContinuationToken = &next
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

func pagerClient(t *testing.T, names []string) (*Client, *pager) {
	t.Helper()
	p := &pager{names: names}
	srv := httptest.NewTLSServer(p)
	t.Cleanup(srv.Close)
	return New(srv.Client(), srv.URL, "fabrikam"), p
}

// sortedNames are n names tok-00000… in ascending order, with the names at
// the given positions replaced.
func sortedNames(n int, at map[int]string) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("tok-%05d", i)
		if s, ok := at[i]; ok {
			names[i] = s
		}
	}
	return names
}

func ids(tokens []PatToken) []string {
	var out []string
	for _, t := range tokens {
		out = append(out, t.AuthorizationID)
	}
	return out
}

func TestFindByNameStopsOncePastTheName(t *testing.T) {
	// 100 pages of 100; the name is in the middle of page 20.
	c, p := pagerClient(t, sortedNames(10000, nil))
	found, err := c.FindByName(context.Background(), "active", "tok-01950")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(found)) != "[id-01950]" {
		t.Fatalf("found %v", ids(found))
	}
	if got := p.pages.Load(); got != 20 {
		t.Fatalf("%d pages read, want 20 (the name and the next one are on page 20)", got)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range p.sorts {
		if s != "displayName" {
			t.Fatalf("request %d sorts by %q", i, s)
		}
	}
}

func TestFindByNameAtTheEndOfAPageReadsOneMore(t *testing.T) {
	// The 2,000th name is the last of page 20: only page 21 shows that no
	// other token has it.
	c, p := pagerClient(t, sortedNames(10000, nil))
	found, err := c.FindByName(context.Background(), "active", "tok-01999")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || p.pages.Load() != 21 {
		t.Fatalf("found %v in %d pages, want 1 in 21", ids(found), p.pages.Load())
	}
}

func TestFindByNameOfAMissingNameReadsEveryPage(t *testing.T) {
	c, p := pagerClient(t, sortedNames(10000, nil))
	for _, name := range []string{"tok-01950x", "nothing", "zzz"} {
		p.pages.Store(0)
		found, err := c.FindByName(context.Background(), "active", name)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 0 || p.pages.Load() != 100 {
			t.Fatalf("%s: found %v in %d pages, want none in 100", name, ids(found), p.pages.Load())
		}
	}
}

func TestFindByNameFindsDuplicatesAcrossPages(t *testing.T) {
	// Three of a name at the end of page 5 and two at the start of page 6.
	at := map[int]string{}
	for i := 497; i < 502; i++ {
		at[i] = "tok-00497"
	}
	c, p := pagerClient(t, sortedNames(1000, at))
	found, err := c.FindByName(context.Background(), "", "tok-00497")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(found)) != "[id-00497 id-00498 id-00499 id-00500 id-00501]" || p.pages.Load() != 6 {
		t.Fatalf("found %v in %d pages, want 5 in 6", ids(found), p.pages.Load())
	}
	// A whole page of the name, then the next page too.
	at = map[int]string{}
	for i := 295; i < 405; i++ {
		at[i] = "tok-00295"
	}
	c, p = pagerClient(t, sortedNames(1000, at))
	if found, err = c.FindByName(context.Background(), "", "tok-00295"); err != nil {
		t.Fatal(err)
	}
	if len(found) != 110 || p.pages.Load() != 5 {
		t.Fatalf("found %d in %d pages, want 110 in 5", len(found), p.pages.Load())
	}
}

func TestFindByNameInEitherOrder(t *testing.T) {
	// Descending, or by a collation patctl does not know: only adjacency counts.
	names := sortedNames(1000, map[int]string{349: "CI", 350: "CI", 351: "CI"})
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	c, p := pagerClient(t, names)
	found, err := c.FindByName(context.Background(), "active", "CI")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 || p.pages.Load() != 7 {
		t.Fatalf("found %v in %d pages, want 3 in 7", ids(found), p.pages.Load())
	}
}

func TestFindByNameIgnoresCaseForTheBoundaryOnly(t *testing.T) {
	// A case-insensitive collation interleaves "ci" and "CI" (page 3 ends
	// with "ci"): the search goes on, and keeps only the exact name.
	c, p := pagerClient(t, sortedNames(1000, map[int]string{297: "CI", 298: "ci", 299: "ci", 300: "CI", 301: "Ci"}))
	found, err := c.FindByName(context.Background(), "active", "CI")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(found)) != "[id-00297 id-00300]" || p.pages.Load() != 4 {
		t.Fatalf("found %v in %d pages, want 2 in 4", ids(found), p.pages.Load())
	}
}

func TestFindByNameReadsEverythingWhenNotSortedByName(t *testing.T) {
	// The name, another, the name again on one page: whatever the order
	// is, it is not by name, and stopping early could miss a token.
	c, p := pagerClient(t, sortedNames(1000, map[int]string{110: "svc", 112: "svc", 950: "svc"}))
	found, err := c.FindByName(context.Background(), "active", "svc")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 || p.pages.Load() != 10 {
		t.Fatalf("found %v in %d pages, want 3 in 10", ids(found), p.pages.Load())
	}
}

func TestFindByNameFromResumesAtThePageWhereTheNameBegins(t *testing.T) {
	// The name's two tokens straddle pages 20 and 21 (offsets 1999, 2000).
	c, p := pagerClient(t, sortedNames(10000, map[int]string{1999: "ci", 2000: "ci"}))
	found, resume, err := c.FindByNameFrom(context.Background(), "active", "ci", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || resume != "1900" || p.pages.Load() != 21 {
		t.Fatalf("found %v, resume %q after %d pages; want 2 tokens, resume 1900, 21 pages", ids(found), resume, p.pages.Load())
	}
	p.pages.Store(0)
	again, resumeAgain, err := c.FindByNameFrom(context.Background(), "active", "ci", resume)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || resumeAgain != resume || p.pages.Load() != 2 {
		t.Fatalf("from %q: found %v, resume %q after %d pages; want both tokens again in 2 pages", resume, ids(again), resumeAgain, p.pages.Load())
	}
	// On the first page, the resume point is the first page itself.
	c, _ = pagerClient(t, sortedNames(300, map[int]string{5: "ci"}))
	if _, resume, _ := c.FindByNameFrom(context.Background(), "active", "ci", ""); resume != "" {
		t.Fatalf("a name on the first page resumes at %q, want the first page", resume)
	}
}

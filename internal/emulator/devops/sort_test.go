package devops_test

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// listed is a token as a List page shows it.
type listed struct{ id, name, from string }

// listPages reads every page of List with query (and $top), failing on a
// token that comes twice.
func listPages(t *testing.T, api *emulatortest.API, query string, top int) (all []listed, pages int) {
	t.Helper()
	ct := ""
	seen := map[string]bool{}
	for {
		q := fmt.Sprintf("%s?api-version=7.1-preview.1&$top=%d%s", emulatortest.PATsPath, top, query)
		if ct != "" {
			q += "&continuationToken=" + url.QueryEscape(ct)
		}
		r := api.Do("GET", q, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		page := r.JSON(t)
		pages++
		for _, it := range page["patTokens"].([]any) {
			m := it.(map[string]any)
			tok := listed{m["authorizationId"].(string), m["displayName"].(string), m["validFrom"].(string)}
			if seen[tok.id] {
				t.Fatalf("%s: token %s (%s) twice", query, tok.id, tok.name)
			}
			seen[tok.id] = true
			all = append(all, tok)
		}
		if ct = page["continuationToken"].(string); ct == "" {
			return all, pages
		}
	}
}

// sortEmulator holds 60 tokens of the default user: names with twins and
// letter-case variants, creation times with ties, and all three states.
func sortEmulator(t *testing.T) (*emulatortest.API, map[string]string) {
	t.Helper()
	clock := &emulatortest.Clock{}
	start := emulatortest.MustTime(t, "2026-01-01T00:00:00Z")
	clock.Set(start)
	em := emulatortest.Start(t, emulator.Options{Now: clock.Now})
	api := emulatortest.NewAPI(t, em)
	names := []string{"svc", "SVC", "Svc", "alpha", "beta", "Beta", "gamma", "deploy", "deploy", "deploy", "zeta", "Zeta"}
	status := map[string]string{}
	var revoke []string
	for i := 0; i < 60; i++ {
		from := start.Add(time.Duration(i/3) * time.Minute) // three tokens a minute
		to := from.Add(48 * time.Hour)
		st := "active"
		switch i % 5 {
		case 1:
			to, st = from.Add(time.Hour), "expired"
		case 3:
			st = "revoked"
		}
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", 0xa0000000-i*7919, i) // ids in no order of i
		em.DevOps().AddPATForTest(id, names[i%len(names)], "vso.code", []string{emulator.DefaultOrgID}, from, to, "")
		status[id] = st
		if st == "revoked" {
			revoke = append(revoke, id)
		}
	}
	for _, id := range revoke {
		if r := api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil); r.Status != 204 {
			t.Fatalf("revoke: %d", r.Status)
		}
	}
	clock.Set(start.Add(3 * time.Hour)) // the short ones have expired
	api.Token, _ = em.AccessToken(emulator.DefaultUserUPN)
	return api, status
}

func TestListSortsByEachOptionAcrossPages(t *testing.T) {
	api, status := sortEmulator(t)
	rank := map[string]int{"active": 0, "revoked": 1, "expired": 2} // the spec's enum order
	keys := map[string]func(a, b listed) int{
		"displayName": func(a, b listed) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) },
		"displayDate": func(a, b listed) int { return strings.Compare(a.from, b.from) },
		"status":      func(a, b listed) int { return cmp.Compare(rank[status[a.id]], rank[status[b.id]]) },
	}
	for sortBy, key := range keys {
		var asc []listed
		for _, ascending := range []string{"true", "False"} {
			// $top 7: pages end inside runs of equal keys.
			got, pages := listPages(t, api, "&displayFilterOption=all&sortByOption="+sortBy+"&isSortAscending="+ascending, 7)
			if len(got) != 60 || pages != 9 {
				t.Fatalf("%s %s: %d tokens in %d pages", sortBy, ascending, len(got), pages)
			}
			for i := 1; i < len(got); i++ {
				c := key(got[i-1], got[i])
				if ascending != "true" {
					c = -c
				}
				if c > 0 {
					t.Fatalf("%s ascending=%s: %v before %v", sortBy, ascending, got[i-1], got[i])
				}
			}
			if ascending == "true" {
				asc = got
				continue
			}
			// Ties keep one order too: descending is ascending reversed.
			slices.Reverse(got)
			if !slices.Equal(asc, got) {
				t.Fatalf("%s: descending is not ascending reversed", sortBy)
			}
		}
	}
	// One name in any letter case is one run, whichever the direction.
	for _, ascending := range []string{"true", "false"} {
		got, _ := listPages(t, api, "&displayFilterOption=all&sortByOption=displayName&isSortAscending="+ascending, 7)
		runs := 0
		for i, tok := range got {
			if strings.EqualFold(tok.name, "svc") && (i == 0 || !strings.EqualFold(got[i-1].name, "svc")) {
				runs++
			}
		}
		if runs != 1 {
			t.Fatalf("ascending=%s: the tokens named svc in any case form %d runs", ascending, runs)
		}
	}
	// By status: every active token, then the revoked, then the expired.
	got, _ := listPages(t, api, "&displayFilterOption=all&sortByOption=status", 100)
	var states []string
	for _, tok := range got {
		if st := status[tok.id]; len(states) == 0 || states[len(states)-1] != st {
			states = append(states, st)
		}
	}
	if fmt.Sprint(states) != "[active revoked expired]" {
		t.Fatalf("by status: %v", states)
	}
	// A filter keeps the order of its sort.
	active, _ := listPages(t, api, "&displayFilterOption=active&sortByOption=displayDate&isSortAscending=false", 5)
	if len(active) != 36 || active[0].from < active[len(active)-1].from {
		t.Fatalf("active by date, descending: %d tokens, %s … %s", len(active), active[0].from, active[len(active)-1].from)
	}
}

func TestListContinuationKeepsItsPlaceWhileTokensChange(t *testing.T) {
	for _, sortBy := range []string{"displayName", "displayDate", "status"} {
		t.Run(sortBy, func(t *testing.T) {
			api, _ := sortEmulator(t)
			base := emulatortest.PATsPath + "?api-version=7.1-preview.1&$top=10&sortByOption=" + sortBy
			first := api.Do("GET", base, nil).JSON(t)
			returned := map[string]bool{}
			var before []string
			for _, it := range first["patTokens"].([]any) {
				returned[it.(map[string]any)["authorizationId"].(string)] = true
			}
			all, _ := listPages(t, api, "&sortByOption="+sortBy, 100)
			for _, tok := range all {
				if !returned[tok.id] {
					before = append(before, tok.id)
				}
			}
			// Revoke one token of page 1 and one still to come.
			for _, id := range []string{all[0].id, before[5]} {
				api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
			}
			var rest []string
			ct := first["continuationToken"].(string)
			for ct != "" {
				page := api.Do("GET", base+"&continuationToken="+url.QueryEscape(ct), nil).JSON(t)
				for _, it := range page["patTokens"].([]any) {
					rest = append(rest, it.(map[string]any)["authorizationId"].(string))
				}
				ct = page["continuationToken"].(string)
			}
			want := slices.Delete(slices.Clone(before), 5, 6)
			if !slices.Equal(rest, want) {
				t.Fatalf("after page 1: %d tokens, want the %d not yet shown, in order", len(rest), len(want))
			}
		})
	}
}

func TestListContinuationNeedsTheSameSort(t *testing.T) {
	api, _ := sortEmulator(t)
	first := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&displayFilterOption=all&sortByOption=displayName&isSortAscending=true", nil).JSON(t)
	ct := url.QueryEscape(first["continuationToken"].(string))
	for q, want := range map[string]int{
		"&displayFilterOption=all&sortByOption=displayName&isSortAscending=true":  200,
		"&displayFilterOption=All&sortByOption=DisplayName&isSortAscending=True":  200, // .NET's spelling binds the same
		"&displayFilterOption=all&isSortAscending=true":                           200, // displayName is the default
		"&displayFilterOption=all&sortByOption=displayDate&isSortAscending=true":  400,
		"&displayFilterOption=all&sortByOption=status&isSortAscending=true":       400,
		"&displayFilterOption=all&sortByOption=displayName&isSortAscending=false": 400,
		"&displayFilterOption=active&sortByOption=displayName":                    400,
	} {
		if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&continuationToken="+ct+q, nil); r.Status != want {
			t.Errorf("%s: %d, want %d", q, r.Status, want)
		}
	}
}

package patapi

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// sets are the statuses List can filter by, in the order the service sorts
// them by status (the order of the spec's enum).
var sets = []string{StatusActive, StatusRevoked, StatusExpired}

// setOf is the Status of a token listed with displayFilterOption status
// ("" is active), or "" for all.
func setOf(status string) string {
	if status == "" {
		return StatusActive
	}
	for _, s := range sets {
		if strings.EqualFold(s, status) {
			return s
		}
	}
	return ""
}

// listEach lists every token with its status. The service's "all" does not
// say which set a token is in, and a revoked token looks just like an active
// one: so it lists the active, revoked and expired sets at once, each sorted
// as opts asks, and merges them in that order — as many tokens read as one
// listing of all, in three requests side by side rather than one. A token
// seen in two sets (revoked while the lists were read) counts once, in the
// later state: revoked over expired over active.
func (c *Client) listEach(ctx context.Context, opts ListOptions) ([]PatToken, error) {
	order := slices.Clone(sets)
	if opts.Sort == "status" && !opts.Ascending {
		slices.Reverse(order)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lists := make([][]PatToken, len(order))
	errs := make([]error, len(order))
	var wg sync.WaitGroup
	for i, status := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts
			o.Status = status
			if lists[i], errs[i] = c.List(ctx, o); errs[i] != nil {
				cancel() // the others' answers are of no use now
			}
		}()
	}
	wg.Wait()
	// The error is the one that made the others stop, not their cancellation.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return merge(lists, opts), nil
}

// merge interleaves lists each sorted as opts asks, keeping each one's own
// order (the service's collation) and, among equals, the order of the lists.
func merge(lists [][]PatToken, opts ListOptions) []PatToken {
	compare := func(a, b PatToken) int {
		var c int
		switch opts.Sort {
		case "displayDate":
			c = a.ValidFrom.Compare(b.ValidFrom.Time)
		case "status":
			return 0 // the lists come in the order of their status
		default:
			c = strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
		}
		if !opts.Ascending {
			c = -c
		}
		return c
	}
	out := []PatToken{}
	at := map[string]int{} // id → index in out
	next := make([]int, len(lists))
	for {
		pick := -1
		for i, l := range lists {
			if next[i] < len(l) && (pick < 0 || compare(l[next[i]], lists[pick][next[pick]]) < 0) {
				pick = i
			}
		}
		if pick < 0 {
			return out
		}
		t := lists[pick][next[pick]]
		next[pick]++
		id := strings.ToLower(t.AuthorizationID)
		if j, seen := at[id]; seen {
			if rank(t.Status) > rank(out[j].Status) {
				out[j] = t
			}
			continue
		}
		at[id] = len(out)
		out = append(out, t)
	}
}

// rank orders the states a token goes through: active, then expired or
// revoked; revoked is the last word.
func rank(status string) int {
	return map[string]int{StatusActive: 0, StatusExpired: 1, StatusRevoked: 2}[status]
}

// Status tells the status of a token read with Get, which does not say
// whether it was revoked: it is revoked when the revoked set has it, looked
// for by its name as FindByName does (stopping past the name: a request or
// two, not every page), else expired or active by its expiry at now. A
// token already listed keeps the status of its set, with no request.
func (c *Client) Status(ctx context.Context, tok PatToken, now time.Time) (string, error) {
	if tok.Status != "" {
		return tok.Status, nil
	}
	revoked, err := c.FindByName(ctx, StatusRevoked, tok.DisplayName)
	if err != nil {
		return "", err
	}
	for _, r := range revoked {
		if strings.EqualFold(r.AuthorizationID, tok.AuthorizationID) {
			return StatusRevoked, nil
		}
	}
	return tok.StatusAt(now), nil
}

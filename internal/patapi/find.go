package patapi

import (
	"context"
	"strings"
)

// FindByName returns the tokens named name (exactly: patctl tells "CI" from
// "ci") among those status selects ("" is active), in the service's order.
//
// It lists by display name and asks for no page after the one where the name
// was passed: tokens of one name are next to one another in that order,
// whichever way and with whatever collation the service sorts, so the first
// other name after them ends the search. The boundary is found ignoring
// letter case, as a case-insensitive collation may interleave "CI" and "ci".
// A name that is not there reads every page. Should a page show the name
// again after another one — a service that did not sort by name — every page
// is read.
func (c *Client) FindByName(ctx context.Context, status, name string) ([]PatToken, error) {
	var (
		found    []PatToken
		seen     bool // a token of the name (in any letter case) has come
		passed   bool // and then a token of another name
		unsorted bool // and then the name again: the order is not by name
	)
	err := c.ListPages(ctx, ListOptions{Status: status, Sort: "displayName", Ascending: true}, func(page []PatToken) bool {
		for _, t := range page {
			if !strings.EqualFold(t.DisplayName, name) {
				passed = passed || seen
				continue
			}
			unsorted = unsorted || passed
			seen = true
			if t.DisplayName == name {
				found = append(found, t)
			}
		}
		return !passed || unsorted
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

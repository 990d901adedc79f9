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
	found, _, err := c.FindByNameFrom(ctx, status, name, "")
	return found, err
}

// FindByNameFrom is FindByName starting at the page of the continuation
// token from, and it also returns the continuation token of the page where
// the name's tokens begin (resume): a second look at the same name, soon
// after, can start there instead of reading again every page before it.
func (c *Client) FindByNameFrom(ctx context.Context, status, name, from string) (found []PatToken, resume string, err error) {
	var (
		seen     bool // a token of the name (in any letter case) has come
		passed   bool // and then a token of another name
		unsorted bool // and then the name again: the order is not by name
	)
	opts := ListOptions{Status: status, Sort: "displayName", Ascending: true, From: from}
	err = c.ListPages(ctx, opts, func(page []PatToken, at string) bool {
		for _, t := range page {
			if !strings.EqualFold(t.DisplayName, name) {
				passed = passed || seen
				continue
			}
			unsorted = unsorted || passed
			if !seen {
				resume = at
			}
			seen = true
			if t.DisplayName == name {
				found = append(found, t)
			}
		}
		return !passed || unsorted
	})
	if err != nil {
		return nil, "", err
	}
	return found, resume, nil
}

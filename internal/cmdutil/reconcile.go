package cmdutil

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/patapi"
)

// clockSkew allows for the service's clock being behind ours.
const clockSkew = 30 * time.Second

// Marked gives an expiry a random millisecond within its last second. It
// changes nothing that matters, and lets ReconcileLostCreate tell the token a
// lost create made from others made moments before with the same name and
// lifetime (a script retrying, say): the service keeps the time to 1/300 s.
func Marked(validTo time.Time) time.Time {
	return validTo.Truncate(time.Second).Add(time.Duration(rand.IntN(1000)) * time.Millisecond)
}

// LostCreateError is a create whose answer never came: the service may have
// made the token, whose secret is then gone for good.
type LostCreateError struct {
	Name     string
	Cause    error
	Orphans  []string // ids of tokens that appeared and were revoked
	Failed   []string // ids that appeared but could not be revoked
	CheckErr error    // the search for orphans itself failed
}

func (e *LostCreateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the answer to creating %q was lost (%v)", e.Name, e.Cause)
	switch {
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; looking for a token it may have created failed too (%v): check `patctl list` and revoke any new %q", e.CheckErr, e.Name)
	case len(e.Orphans) == 0 && len(e.Failed) == 0:
		fmt.Fprintf(&b, "; no token matching it appeared, so it was most likely not created (if a policy shortened its lifetime it would not match: check `patctl list` for a new %q)", e.Name)
	default:
		if len(e.Orphans) > 0 {
			fmt.Fprintf(&b, "; the service had created it, without its secret reaching patctl: revoked %s", strings.Join(e.Orphans, ", "))
		}
		if len(e.Failed) > 0 {
			fmt.Fprintf(&b, "; could not revoke the orphan(s) %s: run `patctl revoke --id ID --yes` for each", strings.Join(e.Failed, ", "))
		}
	}
	return b.String()
}

func (e *LostCreateError) Unwrap() error { return e.Cause }

// ReconcileLostCreate looks for the token a create whose answer was lost
// may have made — same name, scopes and expiry, created since the request
// was sent, and not except — and revokes it: its secret never reached
// anyone. It never sends the create again.
func ReconcileLostCreate(ctx context.Context, c *patapi.Client, req patapi.CreateRequest, sent time.Time, except string, cause error) *LostCreateError {
	lost := &LostCreateError{Name: req.DisplayName, Cause: cause}
	tokens, err := c.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		lost.CheckErr = err
		return lost
	}
	for _, t := range tokens {
		// The service rounds times to 1/300 s: 2 ms of slack.
		if t.DisplayName != req.DisplayName || t.Scope != req.Scope || t.AuthorizationID == except ||
			t.ValidFrom.Before(sent.Add(-clockSkew)) || t.ValidTo.Sub(req.ValidTo).Abs() > 2*time.Millisecond {
			continue
		}
		if err := c.Revoke(ctx, t.AuthorizationID); err != nil {
			lost.Failed = append(lost.Failed, t.AuthorizationID)
		} else {
			lost.Orphans = append(lost.Orphans, t.AuthorizationID)
		}
	}
	return lost
}

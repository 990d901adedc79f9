package cmdutil

import (
	"context"
	"errors"
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
		fmt.Fprintf(&b, "; no token matching it appeared, so it was most likely not created (`patctl list` shows any new %q)", e.Name)
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

// MayHaveCreated reports whether a failed create may still have made the
// token: its answer was lost, or a server error came back (500, or a gateway
// that gave up — 502, 504 — while the service carried on). 503 and 429 say
// the request was not taken on.
func MayHaveCreated(err error) bool {
	var apiErr *patapi.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == 500 || apiErr.Status == 502 || apiErr.Status == 504
	}
	return patapi.Transport(err)
}

// ReconcileLostCreate looks for the token a create whose answer was lost
// may have made and revokes it: its secret never reached anyone. It matches
// name, scopes and expiry (see Marked); failing that — a lifespan policy may
// have shortened the expiry — name and scopes of a token created since the
// request was sent. It never sends the create again.
func ReconcileLostCreate(ctx context.Context, c *patapi.Client, req patapi.CreateRequest, sent time.Time, except string, cause error) *LostCreateError {
	lost := &LostCreateError{Name: req.DisplayName, Cause: cause}
	tokens, err := c.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		lost.CheckErr = err
		return lost
	}
	candidates := func(match func(patapi.PatToken) bool) []patapi.PatToken {
		var out []patapi.PatToken
		for _, t := range tokens {
			if t.DisplayName == req.DisplayName && t.Scope == req.Scope && t.AuthorizationID != except && match(t) {
				out = append(out, t)
			}
		}
		return out
	}
	// The service rounds times to 1/300 s: 2 ms of slack.
	orphans := candidates(func(t patapi.PatToken) bool {
		return !t.ValidFrom.Before(sent.Add(-clockSkew)) && t.ValidTo.Sub(req.ValidTo).Abs() <= 2*time.Millisecond
	})
	if len(orphans) == 0 {
		// A policy shortens lifetimes by days; a token made moments before
		// with the same lifetime differs by seconds, and is not taken for it.
		orphans = candidates(func(t patapi.PatToken) bool {
			return req.ValidTo.Sub(t.ValidTo.Time) > time.Hour && !t.ValidFrom.Before(sent.Add(-fallbackSkew))
		})
	}
	for _, t := range orphans {
		if err := c.Revoke(ctx, t.AuthorizationID); err != nil {
			lost.Failed = append(lost.Failed, t.AuthorizationID)
		} else {
			lost.Orphans = append(lost.Orphans, t.AuthorizationID)
		}
	}
	return lost
}

// fallbackSkew is the tighter window of the fallback match, which has no
// expiry to go by.
const fallbackSkew = 5 * time.Second

package rotation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
)

// clockSkew allows for the service's clock being behind ours.
const clockSkew = 30 * time.Second

// LostCreateError is a create whose answer never came: the service may have
// made the token, whose secret is then gone for good.
type LostCreateError struct {
	Name     string
	Cause    error
	Orphans  []string // ids of tokens that appeared and were revoked
	Failed   []string // ids that appeared but could not be revoked
	Unsure   []string // ids that may be it, left alone (see reconcile)
	CheckErr error    // the search for orphans itself failed

	hint, resumeHint string // flags of suggested commands
}

func (e *LostCreateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the answer to creating %q was lost (%v)", e.Name, e.Cause)
	switch {
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; looking for a token it may have created failed too (%v): run `patctl resume%s` to look again", e.CheckErr, e.resumeHint)
	case len(e.Orphans) == 0 && len(e.Failed) == 0 && len(e.Unsure) == 0:
		fmt.Fprintf(&b, "; no token matching it appeared, so it was not created")
	}
	if len(e.Orphans) > 0 {
		fmt.Fprintf(&b, "; the service had created it, without its secret reaching patctl: revoked %s", strings.Join(e.Orphans, ", "))
	}
	if len(e.Failed) > 0 {
		fmt.Fprintf(&b, "; could not revoke the orphan %s: run `patctl resume%s`", strings.Join(e.Failed, ", "), e.resumeHint)
	}
	if len(e.Unsure) > 0 {
		fmt.Fprintf(&b, "; the service may have created it with a shorter life, and %s could be it: check with `patctl get --id ID%s` and revoke the one nobody uses", strings.Join(e.Unsure, ", "), e.hint)
	}
	return b.String()
}

func (e *LostCreateError) Unwrap() error { return e.Cause }

// settled reports whether nothing is left to look for: the search ran and
// every orphan it found is revoked.
func (e *LostCreateError) settled() bool { return e.CheckErr == nil && len(e.Failed) == 0 }

// MayHaveCreated reports whether a failed create may still have made the
// token: its answer was lost, or a server error came back (500, or a gateway
// that gave up — 502, 504 — while the service carried on). 503 and 429 say
// the request was not taken on; a sign-in that failed sent nothing.
func MayHaveCreated(err error) bool {
	var apiErr *patapi.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == 500 || apiErr.Status == 502 || apiErr.Status == 504
	}
	var notSent *auth.NotSentError
	var unwritten *patapi.NotSentError
	return patapi.Transport(err) && !errors.As(err, &notSent) && !errors.As(err, &unwritten)
}

// settleTime is how long after a create whose answer never came patctl
// waits before it looks for the token: the service may still be making it
// (a request cut off on patctl's side can be complete on the service's),
// and a look that comes too early would call a token that then appears
// "not created", its secret lost.
const settleTime = 2 * time.Second

// answered reports whether the service answered the failed request at all
// (an error status): then it has done whatever it did, and a look need not
// wait.
func answered(err error) bool { return !patapi.Transport(err) }

// reconcile looks for the token that a create whose answer was lost may
// have made, and revokes it: its secret never reached anyone. The token is
// the attempt's own when its name, scopes and fingerprinted expiry (see
// journal.Entry.Mark) match and it was created after the request was sent;
// ids that other recorded attempts made are never taken. A lifespan policy
// may have shortened the expiry, wiping the fingerprint: then a single token
// of that name and scopes, created since, with an expiry cut by more than an
// hour, is reported as possibly it, but not revoked — it could be another
// machine's.
//
// It reads every page rather than stop past the name as FindByName does:
// this runs only after a lost answer, and a token missed here is a live
// secret that nobody holds, so it trusts no ordering of the service's.
func reconcile(ctx context.Context, c *patapi.Client, e *journal.Entry, others []journal.Entry, hint, resumeHint string, cause error) *LostCreateError {
	lost := &LostCreateError{Name: e.Request.Name, Cause: cause, hint: hint, resumeHint: resumeHint}
	tokens, err := c.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		lost.CheckErr = err
		return lost
	}
	taken := map[string]bool{}
	for _, o := range others {
		if o.New != nil {
			taken[o.New.ID] = true
		}
		if o.Old != nil {
			taken[o.Old.ID] = true
		}
	}
	if e.Old != nil {
		taken[e.Old.ID] = true
	}
	since := e.Started.Add(-clockSkew)
	var exact, shortened []patapi.PatToken
	for _, t := range tokens {
		if t.DisplayName != e.Request.Name || t.Scope != e.Request.Scope || taken[t.AuthorizationID] || t.ValidFrom.Before(since) {
			continue
		}
		// The service rounds times to 1/300 s: 2 ms of slack.
		switch d := e.Request.ValidTo.Sub(t.ValidTo.Time); {
		case d.Abs() <= 2*time.Millisecond:
			exact = append(exact, t)
		case d > time.Hour:
			shortened = append(shortened, t)
		}
	}
	for _, t := range exact {
		if err := c.Revoke(ctx, t.AuthorizationID); err != nil {
			lost.Failed = append(lost.Failed, t.AuthorizationID)
		} else {
			lost.Orphans = append(lost.Orphans, t.AuthorizationID)
		}
	}
	if len(exact) == 0 {
		for _, t := range shortened {
			lost.Unsure = append(lost.Unsure, t.AuthorizationID)
		}
	}
	return lost
}

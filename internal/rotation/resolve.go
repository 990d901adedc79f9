package rotation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Resolve finds the token a rotation replaces. By name, among the active
// tokens. By id, among them too — the service's Get does not say whether a
// token was revoked — and failing that with Get: an expired token can be
// replaced (there is nothing to retire: expired is true), a revoked one
// cannot (exit 3, with the command that makes a new one like it).
func Resolve(ctx context.Context, c *patapi.Client, sel cmdutil.Selector, hint string) (old patapi.PatToken, expired bool, err error) {
	old, expired, _, err = locate(ctx, c, sel, hint)
	return old, expired, err
}

// locate is Resolve, and where the old token's name begins in the listing by
// name (resume): the rotation lists the name again from there.
func locate(ctx context.Context, c *patapi.Client, sel cmdutil.Selector, hint string) (old patapi.PatToken, expired bool, resume string, err error) {
	if sel.ID == "" {
		old, resume, err = sel.ResolveName(ctx, c)
		return old, false, resume, err
	}
	found := false
	var prevLast, prevFrom string // the last name of the page before, and where that page began
	err = c.ListPages(ctx, patapi.ListOptions{Status: "active", Sort: "displayName", Ascending: true}, func(page []patapi.PatToken, from string) bool {
		for i, t := range page {
			if t.AuthorizationID != sel.ID {
				continue
			}
			old, found, resume = t, true, from
			sameName := func(u patapi.PatToken) bool { return strings.EqualFold(u.DisplayName, t.DisplayName) }
			if !slices.ContainsFunc(page[:i], func(u patapi.PatToken) bool { return !sameName(u) }) && strings.EqualFold(prevLast, t.DisplayName) {
				resume = prevFrom // the name began on the page before
			}
			return false
		}
		if len(page) > 0 {
			prevLast = page[len(page)-1].DisplayName
		}
		prevFrom = from
		return true
	})
	if err != nil || found {
		return old, false, resume, err
	}
	if old, err = c.Get(ctx, sel.ID); err != nil {
		return old, false, "", err
	}
	if !old.ValidTo.After(time.Now()) {
		return old, true, "", nil
	}
	return old, false, "", &cmdutil.ExitCodeError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf(
		"token %s (%q) is revoked: there is nothing to rotate. Make a new one like it with:\n  patctl create --name %s --scope %s%s",
		old.AuthorizationID, old.DisplayName, cmdutil.ShellWord(old.DisplayName), cmdutil.ShellWord(strings.Join(old.Scopes(), ",")), hint)}
}

// WarnIfClamped says on stderr when the service gave the token a shorter life
// than asked, as a maximum-lifespan policy does. The service rounds times to
// about 1/300 s, hence the slack.
func WarnIfClamped(io *iostreams.IOStreams, asked time.Time, tok patapi.PatToken) {
	if tok.ValidTo.Before(asked.Add(-time.Second)) {
		tty, now := io.IsStderrTTY(), time.Now()
		io.Warn("the service set the expiry to %s, earlier than the %s asked for (an organization policy limits token lifetimes).",
			output.Moment(tok.ValidTo.Time, tty, now), output.Moment(asked, tty, now))
	}
}

// GraceEnd is when the old token should expire under --grace: now + grace,
// but never later than it would have anyway. nil means revoke it now.
func GraceEnd(old patapi.PatToken, now time.Time, grace time.Duration) *time.Time {
	if grace <= 0 {
		return nil
	}
	end := now.Add(grace).UTC()
	if !old.ValidTo.IsZero() && old.ValidTo.Before(end) {
		end = old.ValidTo.UTC()
	}
	return &end
}

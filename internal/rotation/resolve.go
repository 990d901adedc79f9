package rotation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

// Resolve finds the token a rotation replaces. By name, among the active
// tokens. By id, among them too — the service's Get does not say whether a
// token was revoked — and failing that with Get: an expired token can be
// replaced (there is nothing to retire: expired is true), a revoked one
// cannot (exit 3, with the command that makes a new one like it).
func Resolve(ctx context.Context, c *patapi.Client, sel cmdutil.Selector, hint string) (old patapi.PatToken, expired bool, err error) {
	if sel.ID == "" {
		old, err = sel.Resolve(ctx, c)
		return old, false, err
	}
	active, err := c.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		return old, false, err
	}
	for _, t := range active {
		if t.AuthorizationID == sel.ID {
			return t, false, nil
		}
	}
	if old, err = c.Get(ctx, sel.ID); err != nil {
		return old, false, err
	}
	if !old.ValidTo.After(time.Now()) {
		return old, true, nil
	}
	return old, false, &cmdutil.ExitCodeError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf(
		"token %s (%q) is revoked: there is nothing to rotate. Make a new one like it with:\n  patctl create --name %s --scope %s%s",
		old.AuthorizationID, old.DisplayName, cmdutil.ShellWord(old.DisplayName), cmdutil.ShellWord(strings.Join(old.Scopes(), ",")), hint)}
}

// WarnIfClamped says on stderr when the service gave the token a shorter life
// than asked, as a maximum-lifespan policy does. The service rounds times to
// about 1/300 s, hence the slack.
func WarnIfClamped(io *iostreams.IOStreams, asked time.Time, tok patapi.PatToken) {
	if tok.ValidTo.Before(asked.Add(-time.Second)) {
		fmt.Fprintf(io.ErrOut, "Warning: the service set the expiry to %s, earlier than the %s asked for (an organization policy limits token lifetimes).\n",
			tok.ValidTo.UTC().Format(time.RFC3339), asked.UTC().Format(time.RFC3339))
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

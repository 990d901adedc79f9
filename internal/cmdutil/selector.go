package cmdutil

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Resolve finds the one token the selector names: by id with Get, by name
// among the active tokens (exit 3 when none has it, 5 when several do), with
// patapi's FindByName, which stops paging once past the name.
func (s Selector) Resolve(ctx context.Context, c *patapi.Client) (patapi.PatToken, error) {
	if s.ID != "" {
		return c.Get(ctx, s.ID)
	}
	tok, _, err := s.ResolveName(ctx, c)
	return tok, err
}

// Resolve is Selector.Resolve with a progress indicator on a terminal
// while the token is looked for (the tokens read counted, by name).
func (t *TokenCmd) Resolve(ctx context.Context, c *patapi.Client, s Selector) (patapi.PatToken, error) {
	t.IO.StartProgress(s.Looking())
	defer t.IO.StopProgress()
	return s.Resolve(ctx, c)
}

// Looking is what a progress indicator says while the token is looked for.
func (s Selector) Looking() string {
	if s.ID != "" {
		return "Looking up token " + s.ID
	}
	return fmt.Sprintf("Looking for %q", s.Name)
}

// ResolveName is Resolve by name. It also returns where the name begins in
// the listing by name (see patapi.FindByNameFrom), for a second look soon.
func (s Selector) ResolveName(ctx context.Context, c *patapi.Client) (patapi.PatToken, string, error) {
	matches, resume, err := c.FindByNameFrom(ctx, "active", s.Name, "")
	if err != nil {
		return patapi.PatToken{}, "", err
	}
	switch len(matches) {
	case 0:
		return patapi.PatToken{}, "", &ExitCodeError{Code: ExitNotFound, Err: fmt.Errorf("no active token is named %q in %s", s.Name, c.Org())}
	case 1:
		return matches[0], resume, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d active tokens are named %q; pick one with --id:", len(matches), s.Name)
	now := time.Now()
	for _, m := range matches {
		fmt.Fprintf(&b, "\n  %s  expires %s", m.AuthorizationID, output.Human(m.ValidTo.Time, now))
	}
	return patapi.PatToken{}, "", &ExitCodeError{Code: ExitAmbiguous, Err: fmt.Errorf("%s", b.String())}
}

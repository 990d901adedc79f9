package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
)

// Resolve finds the one token the selector names: by id with Get (exit 3
// when no token has it), by name among the active tokens (exit 3 when none
// has it, 5 when several do), with patapi's FindByName, which stops paging
// once past the name.
func (s Selector) Resolve(ctx context.Context, c *patapi.Client) (patapi.PatToken, error) {
	if s.ID != "" {
		return GetByID(ctx, c, s.ID)
	}
	tok, _, err := s.ResolveName(ctx, c)
	return tok, err
}

// GetByID is the client's Get, with an id that no token has said in words
// (exit 3) rather than as the service's refusal.
func GetByID(ctx context.Context, c *patapi.Client, id string) (patapi.PatToken, error) {
	tok, err := c.Get(ctx, id)
	var tokenErr *patapi.TokenError
	var apiErr *patapi.APIError
	if (errors.As(err, &tokenErr) && tokenErr.NotFound()) || (errors.As(err, &apiErr) && apiErr.NotFound()) {
		return tok, &ExitCodeError{Code: ExitNotFound, Err: fmt.Errorf("no token has the id %s in %s", id, c.Org())}
	}
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
	return patapi.PatToken{}, "", &ExitCodeError{Code: ExitAmbiguous, Err: errors.New(Candidates(
		fmt.Sprintf("%d active tokens are named %q; pick one with --id:", len(matches), s.Name), matches, time.Now()))}
}

// Candidates is a heading and a line per token — its id, when it was
// created, when it expires and its scopes — for a person to tell tokens of
// one name apart.
func Candidates(heading string, tokens []patapi.PatToken, now time.Time) string {
	var b strings.Builder
	b.WriteString(heading)
	for _, m := range tokens {
		fmt.Fprintf(&b, "\n  %s  created %s  expires %s  %s", m.AuthorizationID,
			output.Human(m.ValidFrom.Time, now), output.Human(m.ValidTo.Time, now), printable.Escape(m.Scope))
	}
	return b.String()
}

package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
)

// MaxParallelOrgs bounds how many organizations a command reads at once.
const MaxParallelOrgs = 8

// OrgsFlags are --org, repeatable and taking comma lists, and --every-org:
// the organizations a command that reads (list, check) reads.
type OrgsFlags struct {
	Names    []string
	EveryOrg bool
}

// AddOrgsFlags adds --org and --every-org in place of AddOrgFlag.
func AddOrgsFlags(cmd *cobra.Command, o *OrgsFlags) {
	cmd.Flags().StringSliceVar(&o.Names, "org", nil, "Azure DevOps organization, by name or URL (default $"+config.EnvOrg+"); several: repeat it or give a comma list of `names`")
	cmd.Flags().BoolVar(&o.EveryOrg, "every-org", false, "every organization you belong to (as 'patctl orgs' lists them)")
}

// Validate checks the flags before anything is sent: names well formed,
// each once (the first spelling kept), and not both flags. It returns the
// one organization named, or "" for none or several.
func (o *OrgsFlags) Validate() (string, error) {
	var names []string
	for _, n := range o.Names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		n, err := ParseOrg("--org", n)
		if err != nil {
			return "", err
		}
		if !containsFold(names, n) {
			names = append(names, n)
		}
	}
	o.Names = names
	if o.EveryOrg && len(names) > 0 {
		return "", FlagErrorf("--org and --every-org cannot be used together: give one")
	}
	if len(names) == 1 {
		return names[0], nil
	}
	return "", nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// OrgTokens are the tokens read in one organization, or why none were.
type OrgTokens struct {
	Org    string
	Tokens []patapi.PatToken
	Err    error
}

// ListOrgs lists the tokens of the organizations o names (--every-org: all
// of the user's, else PATCTL_ORG), MaxParallelOrgs at a time, with opts;
// the answers come in the order of the organizations. err is what stops
// them all: bad flags, no sign-in, the organizations not listed.
func (t *TokenCmd) ListOrgs(ctx context.Context, o OrgsFlags, opts patapi.ListOptions) ([]OrgTokens, error) {
	// On a terminal, a count of the tokens read as pages come.
	t.IO.StartProgress("Listing tokens")
	defer t.IO.StopProgress()
	s, err := t.Settings()
	if err != nil {
		return nil, err
	}
	orgs := o.Names
	if !o.EveryOrg && len(orgs) == 0 {
		org, err := ResolveOrg("", s)
		if err != nil {
			return nil, err
		}
		orgs = []string{org}
	}
	if len(orgs) == 1 {
		// One organization, as every other command reads it.
		c, err := t.ClientFor(ctx, orgs[0])
		if err != nil {
			return nil, err
		}
		tokens, err := c.List(ctx, opts)
		return []OrgTokens{{Org: orgs[0], Tokens: tokens, Err: err}}, nil
	}
	if t.MaxWait < 0 {
		return nil, FlagErrorf("--max-wait: %s is negative", t.MaxWait)
	}
	// One sign-in for them all: one token, one connection pool.
	hc, err := t.BearerClient(ctx)
	if err != nil {
		return nil, err
	}
	if o.EveryOrg {
		t.IO.StartProgress("Finding your organizations")
		if orgs, err = t.everyOrg(ctx, hc, s); err != nil {
			return nil, err
		}
	}
	t.IO.StartProgress(fmt.Sprintf("Listing tokens in %d organizations", len(orgs)))
	out := make([]OrgTokens, len(orgs))
	var wg sync.WaitGroup
	slots := make(chan struct{}, MaxParallelOrgs)
	policy := t.retryPolicy() // one budget for them all
	var notifyMu sync.Mutex
	for i, org := range orgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			c := patapi.New(hc, s.APIURL, org)
			c.Retry = policy
			c.OnPage = t.IO.AddProgress
			if notify := policy.Notify; notify != nil {
				c.Retry.Notify = func(msg string) {
					notifyMu.Lock()
					defer notifyMu.Unlock()
					notify("organization " + org + ": " + msg)
				}
			}
			tokens, err := c.List(ctx, opts)
			out[i] = OrgTokens{Org: org, Tokens: tokens, Err: err}
		}()
	}
	wg.Wait()
	return out, nil
}

// everyOrg is the names of the user's organizations, from the Accounts API.
func (t *TokenCmd) everyOrg(ctx context.Context, hc *http.Client, s config.Settings) ([]string, error) {
	a := patapi.NewAccounts(hc, s.VSSPSAppURL)
	a.Retry = t.retryPolicy()
	list, err := a.MyOrganizations(ctx)
	if err != nil {
		return nil, fmt.Errorf("--every-org: %w", err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("--every-org: Azure DevOps lists no organization of yours (a service principal belongs to none); name them with --org")
	}
	names := make([]string, len(list))
	for i, org := range list {
		names[i] = org.Name
	}
	return names, nil
}

// OrgToken is a token with the organization it was read in.
type OrgToken struct {
	Org string
	patapi.PatToken
}

// MergeOrgs puts together the tokens of every organization that answered,
// in the order of the organizations. A token seen in several (one valid in
// all of them, allOrgs) appears once, with the first organization.
func MergeOrgs(results []OrgTokens) []OrgToken {
	var out []OrgToken
	seen := map[string]bool{}
	for _, r := range results {
		for _, tok := range r.Tokens {
			id := strings.ToLower(tok.AuthorizationID)
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, OrgToken{Org: r.Org, PatToken: tok})
		}
	}
	return out
}

// Failed names the organizations that could not be read.
func Failed(results []OrgTokens) []string {
	var out []string
	for _, r := range results {
		if r.Err != nil {
			out = append(out, r.Org)
		}
	}
	return out
}

// FirstFailure is the error a command ends with before printing anything.
// Read alone, an organization's error is the command's, as ever. When every
// one failed the same way (a sign-in gone, the network down), that error
// once, naming them, with its exit code. Otherwise nil: the command prints
// what it read, and ends with OrgFailures.
func FirstFailure(results []OrgTokens) error {
	if len(results) == 1 {
		return results[0].Err
	}
	names := make([]string, len(results))
	for i, r := range results {
		if r.Err == nil || r.Err.Error() != results[0].Err.Error() {
			return nil
		}
		names[i] = r.Org
	}
	return fmt.Errorf("organizations %s: %w", strings.Join(names, ", "), results[0].Err)
}

// OrgFailures says on stderr, for each organization that could not be read,
// why and what to do, and returns the exit 1 the command then ends with (nil
// when every organization answered). cmd is the command's name, for the
// line that reads one organization alone.
func (t *TokenCmd) OrgFailures(results []OrgTokens, cmd string) error {
	failed := 0
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		failed++
		fmt.Fprintf(t.IO.ErrOut, "patctl: organization %s was not read: %s\n", r.Org, printable.Lines(r.Err.Error()))
		fmt.Fprintf(t.IO.ErrOut, "  %s\n", orgAdvice(r.Err, r.Org, "patctl "+cmd+t.Hint(r.Org)))
	}
	if failed == 0 {
		return nil
	}
	if failed < len(results) {
		fmt.Fprintf(t.IO.ErrOut, "patctl: %d of %d organizations were not read; the others' tokens are shown.\n", failed, len(results))
	}
	return &ExitCodeError{Code: ExitError, Err: ErrSilent}
}

// orgAdvice is what to do about an organization that refused.
func orgAdvice(err error, org, alone string) string {
	var signIn *patapi.SignInError
	var apiErr *patapi.APIError
	switch {
	case errors.As(err, &signIn):
		return fmt.Sprintf("Your sign-in is not good there: you may not be a member of %s (`patctl orgs` lists your organizations), or it belongs to another tenant (`patctl login --org %s` signs in to its tenant).", org, ShellWord(org))
	case errors.As(err, &apiErr) && apiErr.NotFound():
		return "No such organization? `patctl orgs` lists yours."
	case errors.As(err, &apiErr) && apiErr.Refused():
		return fmt.Sprintf("The service refuses you there: ask an administrator of %s.", org)
	}
	return "Try it alone: " + alone
}

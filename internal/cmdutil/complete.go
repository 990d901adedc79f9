package cmdutil

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
)

// CompletionDeadline bounds a completion that asks Azure DevOps: the token,
// the request and its answer together. Past it the shell gets no candidates
// rather than a pause at every Tab.
const CompletionDeadline = 2 * time.Second

// completionGrace is how long after the deadline a completion still waits
// for its call to return (a keyring call does not heed the context), so
// that a silent refresh under way is written back rather than cut off.
const completionGrace = 250 * time.Millisecond

// Completer completes flag values and arguments: token names and ids and
// organizations from Azure DevOps, profiles and accounts from patctl's
// files. It never prompts, opens a browser or prints: the service is asked
// with the login in force, silently (Factory.PATClient, without retries),
// and without a sign-in, when a call fails or when Deadline passes, the
// shell gets no candidates. Why is written to cobra's debug file
// ($BASH_COMP_DEBUG_FILE) when there is one.
type Completer struct {
	Settings       func() (config.Settings, error)
	PATClient      func(ctx context.Context, org string) (*patapi.Client, error)
	AccountsClient func(ctx context.Context) (*patapi.AccountsClient, error)
	Getenv         func(string) string
	Now            func() time.Time
	// Deadline bounds each call to the service (CompletionDeadline if 0).
	Deadline time.Duration
}

// NewCompleter completes with the factory's sign-in and settings, which
// read the --profile and --account given before the word completed.
func NewCompleter(f *Factory) Completer {
	return Completer{Settings: f.Settings, PATClient: f.PATClient, AccountsClient: f.AccountsClient, Getenv: f.Getenv, Now: f.Now}
}

// CompleteFiles is the completion of a flag that takes a path: the shell's
// own file names.
func CompleteFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

// LimitFileCompletion makes the shell offer file names only where a path is
// taken: every flag and argument of the tree completes to nothing unless it
// has a completion of its own, except flags named file or *-file (or marked
// with MarkFlagFilename), which complete file names. Call it once the tree
// is built.
func LimitFileCompletion(root *cobra.Command) {
	root.CompletionOptions.SetDefaultShellCompDirective(cobra.ShellCompDirectiveNoFileComp)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			if !takesPath(f) {
				return
			}
			if _, ok := c.GetFlagCompletionFunc(f.Name); !ok {
				_ = c.RegisterFlagCompletionFunc(f.Name, CompleteFiles)
			}
		}
		// The flags defined here, as defined: LocalNonPersistentFlags would
		// merge the parents' persistent flags into every command first,
		// building flag sets on every run, --version included (0.2 ms).
		c.PersistentFlags().VisitAll(visit)
		c.Flags().VisitAll(visit)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func takesPath(f *pflag.Flag) bool {
	if _, marked := f.Annotations[cobra.BashCompFilenameExt]; marked {
		return true
	}
	return f.Value.Type() != "bool" && (f.Name == "file" || strings.HasSuffix(f.Name, "-file"))
}

// within runs fetch with the deadline, and says whether it answered in
// time without an error.
func within[T any](c Completer, cmd *cobra.Command, what string, fetch func(context.Context) (T, error)) (T, bool) {
	var zero T
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	limit := cmp.Or(c.Deadline, CompletionDeadline)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := fetch(ctx)
		done <- answer{v, err}
	}()
	timer := time.NewTimer(limit + completionGrace)
	defer timer.Stop()
	select {
	case a := <-done:
		if a.err != nil {
			cobra.CompDebugln(fmt.Sprintf("patctl: completing %s: %v", what, a.err), false)
			return zero, false
		}
		return a.v, true
	case <-timer.C:
		cobra.CompDebugln(fmt.Sprintf("patctl: completing %s: no answer within %s", what, limit), false)
		return zero, false
	}
}

// flagOrg is the --org given before the word completed: the first of a
// list. "" when none was.
func flagOrg(cmd *cobra.Command) string {
	f := cmd.Flags().Lookup("org")
	if f == nil {
		return ""
	}
	if list, ok := f.Value.(pflag.SliceValue); ok {
		for _, org := range list.GetSlice() {
			if org = strings.TrimSpace(org); org != "" {
				return org
			}
		}
		return ""
	}
	return f.Value.String()
}

// firstPage reads the first page of the active tokens by name, in the
// organization --org (else PATCTL_ORG or the profile's) names: one request
// is all a completion may cost.
func (c Completer) firstPage(cmd *cobra.Command, what string) []patapi.PatToken {
	if c.Settings == nil || c.PATClient == nil {
		return nil
	}
	tokens, _ := within(c, cmd, what, func(ctx context.Context) ([]patapi.PatToken, error) {
		s, err := c.Settings()
		if err != nil {
			return nil, err
		}
		org, err := ResolveOrg(flagOrg(cmd), s)
		if err != nil {
			return nil, err
		}
		client, err := c.PATClient(ctx, org)
		if err != nil {
			return nil, err
		}
		var page []patapi.PatToken
		err = client.ListPages(ctx, patapi.ListOptions{Status: "active", Sort: "displayName", Ascending: true},
			func(p []patapi.PatToken, _ string) bool {
				page = p
				return false
			})
		return page, err
	})
	return tokens
}

// TokenNames completes --name: the names of active tokens that begin with
// what was typed (in any letter case), each once, sorted, with when it
// expires ("expires in 7d").
func (c Completer) TokenNames(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	type name struct {
		soonest time.Time
		count   int
	}
	names := map[string]*name{}
	for _, t := range c.firstPage(cmd, "--name") {
		if !completable(t.DisplayName) || !hasPrefixFold(t.DisplayName, toComplete) {
			continue
		}
		at, _ := EffectiveExpiry(t)
		n := names[t.DisplayName]
		if n == nil {
			n = &name{soonest: at}
			names[t.DisplayName] = n
		}
		n.count++
		if at.Before(n.soonest) {
			n.soonest = at
		}
	}
	now := c.now()
	out := make([]cobra.Completion, 0, len(names))
	for _, key := range sortedKeys(names) {
		n := names[key]
		desc := expiresDesc(n.soonest, now)
		if n.count > 1 {
			desc = fmt.Sprintf("%d tokens, the first %s", n.count, desc)
		}
		out = append(out, cobra.CompletionWithDesc(key, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// TokenIDs completes --id: the ids of active tokens that begin with what
// was typed, sorted, each with its token's name.
func (c Completer) TokenIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	seen := map[string]string{}
	for _, t := range c.firstPage(cmd, "--id") {
		if id := strings.ToLower(t.AuthorizationID); IsGUID(id) && hasPrefixFold(id, toComplete) {
			seen[id] = printable.Escape(t.DisplayName)
		}
	}
	out := make([]cobra.Completion, 0, len(seen))
	for _, id := range sortedKeys(seen) {
		out = append(out, cobra.CompletionWithDesc(id, seen[id]))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// NameArg completes the NAME argument that stands for --name: token names,
// for the first argument only and when neither --name nor --id is given.
func (c Completer) NameArg(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || changed(cmd, "name") || changed(cmd, "id") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return c.TokenNames(cmd, args, toComplete)
}

func changed(cmd *cobra.Command, flag string) bool {
	f := cmd.Flags().Lookup(flag)
	return f != nil && f.Changed
}

// orgNames are the user's organizations, as `patctl orgs` lists them.
func (c Completer) orgNames(cmd *cobra.Command) []string {
	if c.AccountsClient == nil {
		return nil
	}
	names, _ := within(c, cmd, "--org", func(ctx context.Context) ([]string, error) {
		client, err := c.AccountsClient(ctx)
		if err != nil {
			return nil, err
		}
		list, err := client.MyOrganizations(ctx)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, o := range list {
			if orgRE().MatchString(o.Name) {
				names = append(names, o.Name)
			}
		}
		return names, nil
	})
	return names
}

// Orgs completes --org: the organizations the signed-in user belongs to.
func (c Completer) Orgs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return filterSorted(c.orgNames(cmd), toComplete, nil), cobra.ShellCompDirectiveNoFileComp
}

// OrgList completes an --org that takes a comma list (list, check): after
// the last comma, the organizations not named yet.
func (c Completer) OrgList(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	head, last := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		head, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := strings.Split(head, ",")
	if f := cmd.Flags().Lookup("org"); f != nil {
		if list, ok := f.Value.(pflag.SliceValue); ok {
			given = append(given, list.GetSlice()...)
		}
	}
	var out []cobra.Completion
	for _, name := range filterSorted(c.orgNames(cmd), last, given) {
		out = append(out, head+name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// ConfigFile is patctl's config file, nil when it cannot be read.
func (c Completer) ConfigFile() *config.File {
	if c.Getenv == nil {
		return nil
	}
	dir, err := config.ConfigDir(c.Getenv)
	if err != nil {
		cobra.CompDebugln("patctl: completing: "+err.Error(), false)
		return nil
	}
	file, err := config.LoadFile(dir)
	if err != nil {
		cobra.CompDebugln("patctl: completing: "+err.Error(), false)
		return nil
	}
	return file
}

// Profiles completes --profile: the profiles of the config file, each with
// its settings.
func (c Completer) Profiles(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	file := c.ConfigFile()
	if file == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, name := range file.Names() {
		if !completable(name) || !strings.HasPrefix(name, toComplete) {
			continue
		}
		var settings []string
		p := file.Profiles[name]
		for _, k := range config.ProfileKeys {
			if v, _ := p.Get(k); v != "" {
				settings = append(settings, k+" "+v)
			}
		}
		out = append(out, cobra.CompletionWithDesc(name, printable.Escape(strings.Join(settings, ", "))))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// AccountNames are the user names of the accounts signed in on this
// machine (a login from PATCTL_LOGIN_FROM is not read).
func (c Completer) AccountNames() []string {
	if c.Getenv == nil {
		return nil
	}
	dir, err := config.ConfigDir(c.Getenv)
	if err != nil {
		return nil
	}
	// The login records are a file: no keyring is opened.
	logins, err := credstore.Open(dir, nil).ReadLogins()
	if err != nil {
		cobra.CompDebugln("patctl: completing --account: "+err.Error(), false)
		return nil
	}
	var names []string
	for _, l := range logins.Accounts {
		names = append(names, l.Username)
	}
	return names
}

// Accounts completes --account: the accounts signed in on this machine.
func (c Completer) Accounts(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return filterSorted(c.AccountNames(), toComplete, nil), cobra.ShellCompDirectiveNoFileComp
}

func (c Completer) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// expiresDesc says when a token stops working, shortly: "expires in 7d",
// "expired 2h ago".
func expiresDesc(at, now time.Time) string {
	if d := at.Sub(now); d >= 0 {
		return "expires in " + output.Span(d)
	}
	return "expired " + output.Span(now.Sub(at)) + " ago"
}

// completable is a value a shell can offer: not empty, and with nothing
// that would garble the completion protocol or the terminal (tabs, line
// breaks, escape sequences).
func completable(s string) bool {
	return s != "" && printable.Escape(s) == s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// filterSorted keeps the completable names that begin with prefix (in any
// letter case) and are not in skip (in any letter case), once each, sorted.
func filterSorted(names []string, prefix string, skip []string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if completable(n) && hasPrefixFold(n, prefix) && !containsFold(skip, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

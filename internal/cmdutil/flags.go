package cmdutil

import (
	"strconv"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/regexpx"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/scopes"
)

// DefaultLifetime is how long a new token lives when --expires is not given.
const DefaultLifetime = 30 * 24 * time.Hour

var durationRE = regexpx.Lazy(`^(\d+)(min|h|d|w|mo|y|m)$`)

// ParseExpires reads --expires: a duration from now (90min, 12h, 30d, 2w,
// 6mo, 1y) or a moment (2026-12-31, meaning the end of that day in UTC, or
// RFC 3339). It must lie in the future, before the year 10000.
func ParseExpires(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, FlagErrorf("--expires: a duration (30d, 12h, 2w) or a date (2026-12-31) is required")
	}
	var at time.Time
	if n, unit, ok, err := span("--expires", s); err != nil {
		return time.Time{}, err
	} else if ok {
		switch unit {
		case "min":
			at = now.Add(time.Duration(n) * time.Minute)
		case "h":
			at = now.Add(time.Duration(n) * time.Hour)
		case "d":
			at = now.AddDate(0, 0, n)
		case "w":
			at = now.AddDate(0, 0, 7*n)
		case "mo":
			at = now.AddDate(0, n, 0)
		case "y":
			at = now.AddDate(n, 0, 0)
		}
	} else if d, err := time.Parse("2006-01-02", s); err == nil {
		at = d.Add(24*time.Hour - time.Second)
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		return time.Time{}, FlagErrorf("--expires: %q is neither a duration (30d, 12h, 2w, 6mo, 1y) nor a date (2026-12-31 or RFC 3339)", s)
	}
	if !at.After(now) {
		return time.Time{}, FlagErrorf("--expires: %s is in the past", output.Human(at, now))
	}
	if at.UTC().Year() > 9999 {
		return time.Time{}, FlagErrorf("--expires: %q is too far away", s)
	}
	return at.UTC(), nil
}

// ScopesFlag reads --scope values (ParseScopes) and refuses unknown scopes
// unless allowUnknown (CheckScopes).
func ScopesFlag(values []string, allowUnknown bool) ([]string, error) {
	list, err := ParseScopes(values)
	if err != nil {
		return nil, err
	}
	return list, CheckScopes(list, allowUnknown)
}

// CheckScopes refuses scopes not in the documented list, suggesting the
// nearest; allowUnknown passes them through.
func CheckScopes(list []string, allowUnknown bool) error {
	if allowUnknown {
		return nil
	}
	for _, s := range list {
		if !scopes.Known(s) {
			return FlagErrorf("--scope: %q is not a known scope; did you mean %q? (--allow-unknown-scope sends it anyway)", s, scopes.Nearest(s))
		}
	}
	return nil
}

// ParseDuration reads a span such as 90min, 12h, 30d, 2w, 6mo or 1y (a
// month counts 30 days, a year 365) for the named flag.
func ParseDuration(flag, s string) (time.Duration, error) {
	n, unit, ok, err := span(flag, s)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, FlagErrorf("%s: %q is not a duration (90min, 12h, 30d, 2w, 6mo, 1y)", flag, s)
	}
	day := 24 * time.Hour
	return time.Duration(n) * map[string]time.Duration{"min": time.Minute, "h": time.Hour, "d": day, "w": 7 * day, "mo": 30 * day, "y": 365 * day}[unit], nil
}

// span reads a count and a unit (90min, 12h, 30d, 2w, 6mo, 1y) for the
// named flag; ok is false when s does not have that shape at all. A bare "m"
// is refused: minutes or months?
func span(flag, s string) (n int, unit string, ok bool, err error) {
	m := durationRE().FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, "", false, nil
	}
	n, err = strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 100000 {
		return 0, "", true, FlagErrorf("%s: %q is not a usable duration", flag, s)
	}
	if m[2] == "m" {
		return 0, "", true, FlagErrorf("%s: %q is ambiguous: write %smin for minutes or %smo for months", flag, s, m[1], m[1])
	}
	return n, m[2], true, nil
}

// ParseScopes reads --scope values: each may hold several scopes separated
// by spaces or commas. The result has no duplicates and keeps the order.
func ParseScopes(values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if !scopeRE().MatchString(s) {
				return nil, FlagErrorf("--scope: %q is not a scope name (like vso.code or vso.work_write)", s)
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return nil, FlagErrorf("--scope: at least one scope is required (for example --scope vso.code)")
	}
	return out, nil
}

var scopeRE = regexpx.Lazy(`^[A-Za-z][A-Za-z0-9_.]*$`)

var orgRE = regexpx.Lazy(`^[A-Za-z0-9][A-Za-z0-9-]{0,49}$`)

// AddOrgFlag adds --org to a command.
func AddOrgFlag(cmd *cobra.Command, org *string) {
	cmd.Flags().StringVar(org, "org", "", "Azure DevOps organization (default $"+config.EnvOrg+")")
}

// ResolveOrg picks --org, else PATCTL_ORG, and checks the name.
func ResolveOrg(flag string, s config.Settings) (string, error) {
	org := strings.TrimSpace(flag)
	source := "--org"
	if org == "" {
		org, source = s.Org, config.EnvOrg
	}
	if org == "" {
		return "", FlagErrorf("--org: an organization is required (or set %s)", config.EnvOrg)
	}
	return org, CheckOrg(source, org)
}

// CheckOrg refuses an organization name Azure DevOps would not have, for
// the flag, variable or place source names.
func CheckOrg(source, org string) error {
	if !orgRE().MatchString(org) {
		return FlagErrorf("%s: %q is not an organization name (letters, digits and hyphens)", source, org)
	}
	return nil
}

// Selector is how a command names one token: --id or --name.
type Selector struct {
	ID   string
	Name string
}

// AddSelectorFlags adds --id and --name.
func AddSelectorFlags(cmd *cobra.Command, s *Selector) {
	cmd.Flags().StringVar(&s.ID, "id", "", "the token's authorization id")
	cmd.Flags().StringVar(&s.Name, "name", "", "the token's name (exact match among active tokens)")
}

// Validate checks that exactly one of --id and --name is given, well formed.
func (s *Selector) Validate() error {
	switch {
	case s.ID == "" && s.Name == "":
		return FlagErrorf("give --id ID or --name NAME")
	case s.ID != "" && s.Name != "":
		return FlagErrorf("--id and --name cannot be used together: give one")
	case s.ID != "":
		id, err := uuid.Parse(s.ID)
		if err != nil || len(s.ID) != 36 {
			return FlagErrorf("--id: %q is not an authorization id (a GUID like 4ab5764f-4193-4f1d-b995-64144880b7d7)", s.ID)
		}
		s.ID = id.String()
	case strings.TrimSpace(s.Name) == "":
		return FlagErrorf("--name: a name cannot be empty")
	}
	return nil
}

// OneOf checks a flag's value against the allowed ones.
func OneOf(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return FlagErrorf("%s: %q is not one of %s", flag, value, strings.Join(allowed, ", "))
}

// NoArgs refuses positional arguments as a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q (see '%s --help')", args[0], cmd.CommandPath())
	}
	return nil
}

// CompleteScopes completes --scope values, also after a comma in a list.
func CompleteScopes(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	head, last := "", toComplete
	if i := strings.LastIndexAny(toComplete, ", "); i >= 0 {
		head, last = toComplete[:i+1], toComplete[i+1:]
	}
	var out []string
	for _, c := range scopes.Completions(last) {
		out = append(out, head+c)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// ExactArgs wants n positional arguments, as a usage error otherwise.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return FlagErrorf("%s takes %d argument(s), not %d (see '%s --help')", cmd.CommandPath(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// tenantRE accepts a tenant id, a domain, or organizations/common.
var tenantRE = regexpx.Lazy(`^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$`)

// CheckTenant refuses a value of the named flag or setting that is not a
// tenant id or domain.
func CheckTenant(name, value string) error {
	if !tenantRE().MatchString(value) {
		return FlagErrorf("%s: %q is not a tenant id or domain (like contoso.onmicrosoft.com)", name, value)
	}
	return nil
}

// CheckClientID refuses a value of the named flag or setting that is not an
// application id.
func CheckClientID(name, value string) error {
	if !IsGUID(value) {
		return FlagErrorf("%s: %q is not an application id (a GUID)", name, value)
	}
	return nil
}

// IsGUID reports a GUID in its usual 36-character form.
func IsGUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

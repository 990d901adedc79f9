package config

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/printable"
)

// keyMeaning describes each key of a profile, for completion.
var keyMeaning = map[string]string{
	"org":       "the organization, when --org is not given",
	"tenant":    "the tenant to sign in to",
	"client-id": "the public client to sign in with",
	"scopes":    "the scopes of the access token",
	"account":   "the signed-in account to act as, when --account is not given",
}

// completeKeyValue completes KEY with the keys of a profile and, when
// withValue, VALUE with what is known of that key: the values the config
// file's profiles hold, and the user's organizations (org), the accounts
// signed in (account) or the documented scopes (scopes).
func completeKeyValue(c cmdutil.Completer, withValue bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			var out []cobra.Completion
			for _, k := range config.ProfileKeys {
				if strings.HasPrefix(k, toComplete) {
					out = append(out, cobra.CompletionWithDesc(k, keyMeaning[k]))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		case len(args) == 1 && withValue:
			return completeValue(c, cmd, args[0], toComplete)
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeValue(c cmdutil.Completer, cmd *cobra.Command, key, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if _, err := (config.Profile{}).Get(key); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if key == "scopes" {
		return cmdutil.CompleteScopes(cmd, nil, toComplete)
	}
	// value -> the profiles that hold it
	held := map[string][]string{}
	if file := c.ConfigFile(); file != nil {
		for _, name := range file.Names() {
			if v, _ := file.Profiles[name].Get(key); v != "" {
				held[v] = append(held[v], name)
			}
		}
	}
	var known []cobra.Completion
	switch key {
	case "org":
		known, _ = c.Orgs(cmd, nil, toComplete)
	case "account":
		known, _ = c.Accounts(cmd, nil, toComplete)
	}
	values := slices.Clone(known)
	for v := range held {
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(toComplete)) && !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	out := make([]cobra.Completion, 0, len(values))
	for _, v := range values {
		if printable.Escape(v) != v {
			continue // a tab, a line break or an escape sequence: not for a shell
		}
		if names := held[v]; len(names) > 0 {
			out = append(out, cobra.CompletionWithDesc(v, "in profile "+printable.Escape(strings.Join(names, ", "))))
		} else {
			out = append(out, v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// Package config implements `patctl config`: the profiles of the config file.
package config

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/output"
)

// NewCmdConfig builds `patctl config` and its get, set and list.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Read and change the profiles of the config file",
		Long: `Profiles are named sets of defaults — org, tenant, client-id, scopes, account — kept in
config.yaml (or config.toml) in patctl's config directory. --profile or $` + config.EnvProfile + `
picks one; without either, the profile "default" applies if it exists.

A setting comes from, in order: a flag, the environment (PATCTL_ORG, PATCTL_CLIENT_ID,
PATCTL_SCOPES, PATCTL_AUTHORITY), the profile, the built-in default.`,
		Example: `  patctl config set org fabrikam
  patctl config set tenant contoso.onmicrosoft.com --profile work
  patctl --profile work list
  patctl config list`,
	}
	cmd.AddCommand(newCmdGet(f), newCmdSet(f), newCmdList(f))
	return cmd
}

// profileName is the profile `config get|set` works on.
func profileName(f *cmdutil.Factory) string {
	if f.Profile != "" {
		return f.Profile
	}
	if p := f.Getenv(config.EnvProfile); p != "" {
		return p
	}
	return config.DefaultProfile
}

func load(f *cmdutil.Factory) (*config.File, error) {
	dir, err := configDir(f)
	if err != nil {
		return nil, err
	}
	return config.LoadFile(dir)
}

// configDir is read from the environment alone, so that `patctl config`
// works whatever profile --profile or PATCTL_PROFILE names.
func configDir(f *cmdutil.Factory) (string, error) { return config.ConfigDir(f.Getenv) }

// checkKey refuses a key profiles do not have, as config.Profile does.
func checkKey(key string) error {
	if _, err := (config.Profile{}).Get(key); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	return nil
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "get KEY",
		Short:             "Print a setting of the profile",
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: completeKeyValue(cmdutil.NewCompleter(f), false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkKey(args[0]); err != nil {
				return err
			}
			file, err := load(f)
			if err != nil {
				return err
			}
			name := profileName(f)
			p, ok := file.Profiles[name]
			if !ok {
				return &cmdutil.ExitCodeError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf("no profile %q in %s", name, file.Path())}
			}
			v, _ := p.Get(args[0])
			_, err = fmt.Fprintln(f.IOStreams.Out, v)
			return err
		},
	}
}

func newCmdSet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "set KEY VALUE",
		Short:             "Change a setting of the profile (an empty value removes it)",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: completeKeyValue(cmdutil.NewCompleter(f), true),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkKey(args[0]); err != nil {
				return err
			}
			if err := checkValue(args[0], args[1]); err != nil {
				return err
			}
			file, err := load(f)
			if err != nil {
				return err
			}
			name := profileName(f)
			p := file.Profiles[name]
			if err := p.Set(args[0], args[1]); err != nil {
				return err
			}
			file.Profiles[name] = p
			if err := file.Save(); err != nil {
				return fmt.Errorf("config set: %w", err)
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Profile %q: %s = %q (in %s).\n", name, args[0], args[1], file.Path())
			return nil
		},
	}
}

// checkValue refuses values patctl could not use later.
func checkValue(key, value string) error {
	if value == "" {
		return nil
	}
	switch key {
	case "org":
		_, err := cmdutil.ResolveOrg(value, config.Settings{})
		return err
	case "scopes":
		if len(strings.Fields(value)) == 0 {
			return cmdutil.FlagErrorf("scopes: give at least one")
		}
	case "tenant":
		return cmdutil.CheckTenant(key, value)
	case "client-id":
		return cmdutil.CheckClientID(key, value)
	case "account":
		if strings.ContainsAny(value, " \t") {
			return cmdutil.FlagErrorf("account: %q is not a user name", value)
		}
	}
	return nil
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var j cmdutil.JSONFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print every profile and its settings",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := load(f)
			if err != nil {
				return err
			}
			if j.JSON {
				return j.WriteJSON(f.IOStreams.Out, file.Profiles)
			}
			table := output.NewTable(f.IOStreams.Out, f.IOStreams.IsStdoutTTY(), "PROFILE", "KEY", "VALUE")
			for _, name := range file.Names() {
				p := file.Profiles[name]
				for _, k := range config.ProfileKeys {
					if v, _ := p.Get(k); v != "" {
						table.AddRow(name, k, v)
					}
				}
			}
			return table.Render()
		},
	}
	j.AddJSONFlags(cmd, "the profiles")
	return cmd
}

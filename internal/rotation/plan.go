package rotation

import (
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/printable"
)

// Plan is what a --dry-run of create, update, revoke or rotate would have
// done. Only the fields of its action are set.
type Plan struct {
	DryRun          bool       `json:"dryRun"`
	Action          string     `json:"action"` // create, update, revoke, rotate
	AuthorizationID string     `json:"authorizationId,omitempty"`
	DisplayName     string     `json:"displayName,omitempty"`
	Scope           string     `json:"scope,omitempty"`
	ValidTo         *time.Time `json:"validTo,omitempty"`
	AllOrgs         *bool      `json:"allOrgs,omitempty"`
	Rename          string     `json:"rename,omitempty"`
	// rotate: what becomes of the old token
	Replaces     string     `json:"replaces,omitempty"`
	OldAction    string     `json:"oldAction,omitempty"` // revoke or expire
	OldExpiresAt *time.Time `json:"oldExpiresAt,omitempty"`
	Verify       *bool      `json:"verify,omitempty"`
	// create and rotate with --to: where the secret would be written (each
	// sink passed its preflight)
	To []string `json:"to,omitempty"`
}

// PrintPlan prints a dry run's plan: JSON with --json, sentences otherwise.
func PrintPlan(io *iostreams.IOStreams, j *cmdutil.JSONFlags, p Plan) error {
	p.DryRun = true
	if j.JSON {
		return j.WriteJSON(io.Out, p)
	}
	tty, now := io.IsStdoutTTY(), time.Now()
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if p.DisplayName != "" {
		add("name %q", p.DisplayName)
	}
	if p.Rename != "" {
		add("new name %q", p.Rename)
	}
	if p.Scope != "" {
		add("scopes %s", printable.Escape(p.Scope))
	}
	if p.ValidTo != nil {
		add("valid until %s", output.Moment(*p.ValidTo, tty, now))
	}
	if p.AllOrgs != nil {
		parts = append(parts, map[bool]string{true: "valid in all your organizations", false: "valid in this organization only"}[*p.AllOrgs])
	}
	target := ""
	if p.AuthorizationID != "" {
		target = " token " + p.AuthorizationID
	}
	fmt.Fprintf(io.Out, "Would %s%s", p.Action, target)
	if len(parts) > 0 {
		fmt.Fprintf(io.Out, ": %s", strings.Join(parts, ", "))
	}
	fmt.Fprintln(io.Out, ".")
	if p.Replaces != "" {
		if p.Verify != nil && *p.Verify {
			fmt.Fprintln(io.Out, "Would check that the new token works before touching the old one.")
		}
		if p.OldAction == "expire" {
			fmt.Fprintf(io.Out, "Would let the old token %s expire at %s.\n", p.Replaces, output.Moment(*p.OldExpiresAt, tty, now))
		} else {
			fmt.Fprintf(io.Out, "Would revoke the old token %s.\n", p.Replaces)
		}
	}
	for _, to := range p.To {
		fmt.Fprintf(io.Out, "Would write the new secret to %s (checked: it can be written).\n", to)
	}
	fmt.Fprintln(io.ErrOut, "Dry run: nothing was changed.")
	return nil
}

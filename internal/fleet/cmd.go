package fleet

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/regexpx"
	"github.com/patctl/patctl/internal/rotation"
)

// DefaultParallel is how many actions apply runs at once, and how many
// lists and inspections plan has in flight.
const DefaultParallel = 4

// maxParallel bounds --parallel: more would only queue at the service.
const maxParallel = 64

// maxFile bounds what is read of a fleet file.
const maxFile = 4 << 20

// Input is what plan and apply share: the file and how many requests may be
// in flight.
type Input struct {
	File     string
	Parallel int
}

// AddFlags adds -f/--file and --parallel.
func (in *Input) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&in.File, "file", "f", "", "the fleet `file` (YAML; - reads stdin)")
	cmd.Flags().IntVar(&in.Parallel, "parallel", DefaultParallel, "how many organizations, destinations or actions to work on at once")
}

// Check validates the flags, without I/O.
func (in *Input) Check() error {
	if strings.TrimSpace(in.File) == "" {
		return cmdutil.FlagErrorf("-f: the fleet file is required (patctl plan -f fleet.yaml)")
	}
	if in.Parallel < 1 || in.Parallel > maxParallel {
		return cmdutil.FlagErrorf("--parallel: %d is not between 1 and %d", in.Parallel, maxParallel)
	}
	return nil
}

// Load reads and checks the file: its organizations default to --org, else
// PATCTL_ORG.
func Load(t *cmdutil.TokenCmd, path string) (*File, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(t.IO.In, maxFile+1))
		path = "(stdin)"
	} else {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			data, err = io.ReadAll(io.LimitReader(f, maxFile+1))
			f.Close()
		}
	}
	if err != nil {
		return nil, cmdutil.FlagErrorf("-f: %v", err)
	}
	if len(data) > maxFile {
		return nil, cmdutil.FlagErrorf("-f: %s is over %d MB: not a fleet file", path, maxFile>>20)
	}
	s, err := t.Settings()
	if err != nil {
		return nil, err
	}
	org, source := strings.TrimSpace(t.Org), "--org"
	if org == "" {
		org, source = s.Org, cmdutil.OrgSourceName(s)
	}
	if org != "" {
		if org, err = cmdutil.ParseOrg(source, org); err != nil {
			return nil, err
		}
	}
	return Parse(path, data, org, rotation.SinkEnv(t))
}

// Clients are the PAT API clients of a run, one per organization, made on
// first use.
type Clients struct {
	t  *cmdutil.TokenCmd
	mu sync.Mutex
	m  map[string]*patapi.Client
}

// NewClients makes clients for the token command's sign-in.
func NewClients(t *cmdutil.TokenCmd) *Clients {
	return &Clients{t: t, m: map[string]*patapi.Client{}}
}

// For is the client of org.
func (c *Clients) For(ctx context.Context, org string) (*patapi.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(org)
	if cl := c.m[key]; cl != nil {
		return cl, nil
	}
	cl, err := c.t.ClientFor(ctx, org)
	if err != nil {
		return nil, err
	}
	c.m[key] = cl
	return cl, nil
}

// PlanFile plans the file against the live lists.
func PlanFile(ctx context.Context, t *cmdutil.TokenCmd, f *File, parallel int, clients *Clients) ([]Action, error) {
	// At a terminal, the count of the tokens read, as list shows it.
	t.IO.StartProgress("Planning: listing tokens")
	defer t.IO.StopProgress()
	p := &Planner{Parallel: parallel, Now: t.Now, List: func(ctx context.Context, org string) ([]patapi.PatToken, error) {
		c, err := clients.For(ctx, org)
		if err != nil {
			return nil, err
		}
		return c.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	}}
	return p.Plan(ctx, f)
}

var rfc3339 = regexpx.Lazy(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)

// PlanJSON is plan's JSON.
type PlanJSON struct {
	Actions []Action `json:"actions"`
}

// PrintPlan prints the plan: JSON, or a table (ACTION NAME ORG ID WHY) and a
// summary on stderr.
func PrintPlan(ios *iostreams.IOStreams, j *cmdutil.JSONFlags, actions []Action) error {
	if actions == nil {
		actions = []Action{}
	}
	if j.JSON {
		return j.WriteJSON(ios.Out, PlanJSON{Actions: actions})
	}
	tty := ios.IsStdoutTTY()
	table := output.NewTable(ios.Out, tty, "ACTION", "NAME", "ORG", "ID", "WHY")
	now := time.Now()
	for _, a := range actions {
		why := a.Reason
		if a.Error != "" {
			why = a.Error
		}
		if tty { // the reasons' RFC 3339 times, as a person reads times
			why = rfc3339().ReplaceAllStringFunc(why, func(s string) string {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return s
				}
				return output.Time(t, true, now)
			})
		}
		table.AddRow(a.Action, a.Name, a.Org, a.AuthorizationID, why)
	}
	if err := table.Render(); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, Summary(actions))
	return nil
}

// Summary counts the actions for people: "Plan: 1 to create, 2 to rotate, 3 unchanged."
func Summary(actions []Action) string {
	count := map[string]int{}
	for _, a := range actions {
		count[a.Action]++
	}
	var parts []string
	for _, k := range []string{ActCreate, ActRotate, ActUpdate, ActRevoke} {
		if count[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", count[k], k))
		}
	}
	if count[ActNone] > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", count[ActNone]))
	}
	if count[ActError] > 0 {
		parts = append(parts, fmt.Sprintf("%d in error", count[ActError]))
	}
	if len(parts) == 0 {
		return "Plan: the file declares no token."
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

// PlanErrors is exit 1 naming the entries that cannot be planned, or nil.
func PlanErrors(actions []Action) error {
	var bad []string
	for _, a := range actions {
		if a.Action == ActError {
			bad = append(bad, fmt.Sprintf("%q in %s (line %d): %s", a.Name, a.Org, a.Line, a.Error))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &cmdutil.ExitCodeError{Code: cmdutil.ExitError, Err: fmt.Errorf("%d entr%s cannot be planned:\n  %s",
		len(bad), map[bool]string{true: "y", false: "ies"}[len(bad) == 1], strings.Join(bad, "\n  "))}
}

// Changes reports whether any action would change something.
func Changes(actions []Action) bool {
	for _, a := range actions {
		if a.Changes() {
			return true
		}
	}
	return false
}

// ErrChanges is plan --exit-code's exit 10, with nothing more to say.
var ErrChanges error = &cmdutil.ExitCodeError{Code: cmdutil.ExitChanges, Err: cmdutil.ErrSilent}

// lockedWriter lets the actions running at once write whole messages.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Locked is a copy of the streams whose stderr takes one write at a time.
// mu is also for the caller's own writes to stderr.
func Locked(ios *iostreams.IOStreams, mu *sync.Mutex) *iostreams.IOStreams {
	c := *ios
	c.ErrOut = lockedWriter{mu: mu, w: ios.ErrOut}
	return &c
}

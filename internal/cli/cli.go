// Package cli builds patctl's command tree, runs it, and maps errors to exit
// codes — the only place that does.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/buildinfo"
	"github.com/patctl/patctl/internal/cmd/apply"
	"github.com/patctl/patctl/internal/cmd/check"
	configcmd "github.com/patctl/patctl/internal/cmd/config"
	"github.com/patctl/patctl/internal/cmd/create"
	"github.com/patctl/patctl/internal/cmd/get"
	"github.com/patctl/patctl/internal/cmd/list"
	"github.com/patctl/patctl/internal/cmd/login"
	"github.com/patctl/patctl/internal/cmd/logout"
	"github.com/patctl/patctl/internal/cmd/orgs"
	"github.com/patctl/patctl/internal/cmd/plan"
	"github.com/patctl/patctl/internal/cmd/resume"
	"github.com/patctl/patctl/internal/cmd/revoke"
	"github.com/patctl/patctl/internal/cmd/rotate"
	"github.com/patctl/patctl/internal/cmd/status"
	"github.com/patctl/patctl/internal/cmd/token"
	"github.com/patctl/patctl/internal/cmd/update"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/printable"
	"github.com/patctl/patctl/internal/sink"
)

// Main runs patctl with the OS keyring and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A person at a terminal may have to unlock the keyring in a prompt of
	// the desktop: give them time. Scripts get a quick answer instead.
	streams := iostreams.New(stdin, stdout, stderr)
	timeout := credstore.DefaultKeyringTimeout
	if streams.CanPrompt() && !completing(args) {
		timeout = credstore.InteractiveKeyringTimeout
	}
	return Run(Options{Args: args, Stdin: stdin, Stdout: stdout, Stderr: stderr, Streams: streams, Getenv: os.Getenv, LookupEnv: os.LookupEnv, Keyring: credstore.System{Timeout: timeout}})
}

// Options are everything a run of patctl depends on from outside.
type Options struct {
	Args           []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Streams        *iostreams.IOStreams // Stdin, Stdout and Stderr with their terminal checks; nil: made here
	Getenv         func(string) string
	// LookupEnv tells a variable set but empty (PAGER=: no pager) from one
	// not set; nil: Getenv, an empty value counting as not set.
	LookupEnv func(string) (string, bool)
	Keyring   credstore.Keyring
	// Stage, when set, is told each stage a create or rotate reaches: the
	// end-to-end tests stop the process there to interrupt it.
	Stage func(string)
}

// Run runs patctl and returns its exit code. Ctrl-C or SIGTERM cancels the
// command, whose clean-up still runs; a second one exits at once.
func Run(o Options) int {
	ignoreSIGPIPE()
	streams := o.Streams
	if streams == nil {
		streams = iostreams.New(o.Stdin, o.Stdout, o.Stderr)
	}
	if completing(o.Args) {
		// The shell reads cobra's answer on stdout and nothing else; what
		// patctl itself would say (a --debug trace, a wait for another
		// patctl's refresh) goes nowhere, and nothing may ask a question.
		streams = iostreams.New(nil, o.Stdout, io.Discard)
	}
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = func(k string) (string, bool) { v := o.Getenv(k); return v, v != "" }
	}
	streams.ReadEnv(lookup)
	f := cmdutil.New(streams, o.Getenv, o.Keyring)
	f.Stage = o.Stage
	f.LoginPlace = func(uri string) (credstore.Place, error) {
		return sink.LoginPlace(uri, sink.Env{Stderr: streams.ErrOut, Getenv: o.Getenv, HTTP: f.HTTPClient,
			AzureCredential: sink.DefaultAzureCredential(f.HTTPClient, o.Getenv)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := NewRootCmd(f)
	// Signals are caught once a command runs, not for --help, --version or a
	// usage error: those have nothing to clean up, and start faster without
	// the thread the runtime starts to deliver signals. No command below the
	// root has a persistent pre-run of its own (TestNoPersistentPreRun), so
	// this one runs before every command.
	stopInterrupts := func() {}
	defer func() { stopInterrupts() }()
	root.PersistentPreRun = func(*cobra.Command, []string) {
		stopInterrupts = handleInterrupts(o.Stderr, f.Pending, streams.Paging, cancel)
	}
	root.SetArgs(o.Args)
	root.SetIn(o.Stdin)
	root.SetOut(o.Stdout)
	root.SetErr(o.Stderr)
	// The commands cobra adds itself, so that checkCommand knows them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	err := checkCommand(root, o.Args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	streams.StopProgress() // a command that ended on an error may have left one
	if err == nil {
		return cmdutil.ExitOK
	}
	err = explain(err, f)
	code := ExitCode(err)
	if !errors.Is(err, cmdutil.ErrSilent) {
		// Errors escape the service's text where it enters them; this
		// catches any that slipped through, keeping patctl's own newlines.
		fmt.Fprintln(o.Stderr, "patctl: "+printable.Lines(message(err, code)))
		if f.Debug {
			if detail := debugDetail(err); detail != "" {
				fmt.Fprintln(o.Stderr, "patctl: debug: "+printable.Lines(detail))
			}
		}
	}
	return code
}

// completing says whether the shell asks for completions: cobra's hidden
// __complete command (__completeNoDesc without descriptions).
func completing(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// handleInterrupts calls cancel on the first SIGINT or SIGTERM. The second
// ends the process at once: exit 9 when a journal entry is open (the journal
// keeps what `patctl resume` needs), 130 otherwise — except while a pager
// shows the output, where Ctrl-C is the pager's (less stops a search with
// it) and patctl waits for the user to quit it. stop ends the handling.
func handleInterrupts(stderr io.Writer, pending *atomic.Int32, paging func() bool, cancel context.CancelFunc) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		for {
			select {
			case <-sigs:
				if paging() {
					continue
				}
				code := cmdutil.ExitInterrupted
				if pending.Load() > 0 {
					code = cmdutil.ExitUnfinished
					fmt.Fprintln(stderr, "patctl: interrupted again: stopping now. The operation is recorded: run `patctl resume` to finish it.")
				}
				os.Exit(code)
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); signal.Stop(sigs) }
}

// ExitCode maps an error to patctl's documented exit codes.
func ExitCode(err error) int {
	var (
		flagErr   *cmdutil.FlagError
		signIn    *auth.SignInRequiredError
		apiAuth   *patapi.SignInError
		coded     *cmdutil.ExitCodeError
		tokenErr  *patapi.TokenError
		apiErr    *patapi.APIError
		badValue  *config.BadValueError
		account   *credstore.AccountError
		conflict  *journal.ConflictError
		kind      interface{ ExitCode() int }
		loginFrom *auth.LoginFromError
	)
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.As(err, &coded):
		return coded.Code
	case errors.As(err, &loginFrom):
		// Where PATCTL_LOGIN_FROM keeps the login failed: with the code of
		// its kind (4 for no Azure identity, 6 for a vault refusing it).
		if errors.As(loginFrom.Err, &kind) {
			return kind.ExitCode()
		}
		return cmdutil.ExitError
	case errors.As(err, &conflict):
		return cmdutil.ExitUnfinished
	case errors.Is(err, auth.ErrCancelled), errors.Is(err, context.Canceled):
		return cmdutil.ExitInterrupted
	case errors.As(err, &flagErr), errors.As(err, &badValue):
		return cmdutil.ExitUsage
	case errors.As(err, &signIn), errors.As(err, &apiAuth):
		return cmdutil.ExitAuth
	case errors.As(err, &tokenErr) && tokenErr.NotFound(), errors.As(err, &apiErr) && apiErr.NotFound(), errors.As(err, &account),
		errors.Is(err, auth.ErrUnknownOrg):
		return cmdutil.ExitNotFound
	case errors.As(err, &tokenErr), errors.As(err, &apiErr) && apiErr.Refused():
		return cmdutil.ExitRefused
	}
	return cmdutil.ExitError
}

// NewRootCmd builds the command tree. It does no I/O.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	info := buildinfo.Get()
	root := &cobra.Command{
		Use:   "patctl <command>",
		Short: "Manage Azure DevOps personal access tokens",
		Long: `patctl manages Azure DevOps personal access tokens through Microsoft's PAT Lifecycle
Management API. Sign in once with 'patctl login'; later commands get their access
token silently.`,
		// cobra prints "patctl version " and this for --version: the line
		// `patctl version` prints, without a template to parse on every run.
		Version:       info.Long(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Generated docs must not change with the day they are made.
		DisableAutoGenTag: true,
	}
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "print an HTTP trace on stderr (secrets redacted)")
	root.PersistentFlags().StringVar(&f.Account, "account", "", "act as this account (its user name) when several are signed in")
	root.PersistentFlags().StringVar(&f.Profile, "profile", "", "use this profile of the config file (default $"+config.EnvProfile+", else \"default\")")
	complete := cmdutil.NewCompleter(f)
	_ = root.RegisterFlagCompletionFunc("profile", complete.Profiles)
	_ = root.RegisterFlagCompletionFunc("account", complete.Accounts)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())}
	})
	// Help and usage fit a terminal's width; elsewhere (a pipe, the
	// generated docs) they are as written.
	width := func() int {
		if f.IOStreams != nil && f.IOStreams.IsStdoutTTY() {
			return terminalWidth(f.IOStreams.Out)
		}
		return 0
	}
	root.AddCommand(
		list.NewCmdList(f, nil),
		get.NewCmdGet(f, nil),
		create.NewCmdCreate(f, nil),
		update.NewCmdUpdate(f, nil),
		revoke.NewCmdRevoke(f, nil),
		rotate.NewCmdRotate(f, nil),
		resume.NewCmdResume(f, nil),
		check.NewCmdCheck(f, nil),
		plan.NewCmdPlan(f, nil),
		apply.NewCmdApply(f, nil),
		orgs.NewCmdOrgs(f, nil),
		login.NewCmdLogin(f, nil),
		token.NewCmdToken(f, nil),
		configcmd.NewCmdConfig(f),
		newCmdVersion(info),
		logout.NewCmdLogout(f, nil),
		status.NewCmdStatus(f, nil),
		newHelpTopic("environment", "Environment variables that patctl reads", environmentHelp, width),
		newHelpTopic("exit-codes", "What patctl's exit codes mean", func(w int) string { return rewrap(exitCodesHelp, w) }, width),
	)
	// No file names where no path is taken; values from the service where
	// they live there.
	cmdutil.LimitFileCompletion(root)
	// Unknown commands are usage errors too; Run finds them before any
	// flag is read (checkCommand), this is for a root run otherwise.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(cmd, args[0])
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	root.SetHelpCommand(newHelpCmd())
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { help(c, width()) })
	root.SetUsageFunc(func(c *cobra.Command) error { return usage(c, width()) })
	return root
}

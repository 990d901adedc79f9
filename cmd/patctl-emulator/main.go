// Command patctl-emulator runs a local emulator of Microsoft Entra ID and the
// Azure DevOps PAT Lifecycle Management API over HTTPS on 127.0.0.1, so that
// patctl and scripts around it can be tried without reaching Microsoft.
//
//	patctl-emulator [flags]            serve until interrupted
//	patctl-emulator browse URL         act as a browser for a sign-in URL
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/fakebrowser"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "browse" {
		return browse(ctx, args[1:], stdout, stderr)
	}
	return serve(ctx, args, stdout, stderr)
}

type serveFlags struct {
	addr, state, caFile, envFile, configFile string
	cfg                                      emulator.Config
}

func parseServeFlags(args []string, stderr io.Writer) (serveFlags, error) {
	var f serveFlags
	f.cfg = emulator.DefaultConfig()
	fs := flag.NewFlagSet("patctl-emulator", flag.ContinueOnError)
	// Errors are printed once by the caller; usage only when asked for.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	printUsage := func() {
		fs.SetOutput(stderr)
		defer fs.SetOutput(io.Discard)
		fmt.Fprintf(stderr, "Usage: patctl-emulator [flags]\n       patctl-emulator browse [--ca-file FILE] URL\n\nServes fake Entra ID and a fake Azure DevOps PAT API over HTTPS and prints\nthe shell lines that point patctl at it.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "`address` to listen on (port 0 picks a free one)")
	fs.StringVar(&f.state, "state", "", "JSON `file` that keeps tokens, sessions and keys across restarts")
	fs.StringVar(&f.caFile, "ca-file", "", "where to write the CA certificate (PEM); default next to --state, else in a new temporary directory")
	fs.StringVar(&f.envFile, "env-file", "", "also write the export lines to this `file`")
	fs.StringVar(&f.configFile, "config", "", "JSON `file` with configuration (users, tenants, orgs, policies…), merged over the defaults")
	fs.Func("access-token-lifetime", "lifetime of access tokens (default 1h)", durationFlag(&f.cfg.AccessTokenLifetime))
	fs.Func("refresh-token-lifetime", "lifetime of refresh tokens (default 2160h)", durationFlag(&f.cfg.RefreshTokenLifetime))
	fs.Func("latency", "added to every request (e.g. 50ms)", durationFlag(&f.cfg.Latency))
	fs.Func("device-code", "device-code outcome: approve (default), pending, access_denied, expired_token",
		oneOf(&f.cfg.DeviceCodeOutcome, emulator.DeviceCodeApprove, emulator.DeviceCodePending, emulator.DeviceCodeAccessDenied, emulator.DeviceCodeExpired))
	fs.IntVar(&f.cfg.ApproveAfterPolls, "approve-after-polls", 0, "with --device-code approve: answer authorization_pending this many times first")
	fs.BoolVar(&f.cfg.AppOnlyTokens, "app-only", false, "issue app-only tokens (idtyp=app), as a service principal gets")
	fs.Func("sign-in-answer", "how Azure DevOps answers unauthenticated calls: 401 (default), 203 (HTML sign-in page) or 302",
		oneOf(&f.cfg.SignInAnswer, emulator.SignInChallenge, emulator.SignInPage, emulator.SignInRedirect))
	fs.BoolVar(&f.cfg.OnlyConfiguredOrgs, "only-configured-orgs", false, "answer 404 for organizations not in the configuration")
	fs.Func("page-size", "List page size (1 to 100) when the request has no $top (default 20)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return errors.New("must be a whole number from 1 to 100")
		}
		f.cfg.DefaultPageSize = n
		return nil
	})
	fs.BoolVar(&f.cfg.ResponseBOM, "bom", false, "start JSON answers of Azure DevOps with a UTF-8 byte order mark")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage()
		}
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.configFile != "" {
		data, err := os.ReadFile(f.configFile)
		if err != nil {
			return f, fmt.Errorf("--config: %w", err)
		}
		if f.cfg, err = emulator.MergeConfig(f.cfg, data); err != nil {
			return f, fmt.Errorf("--config %s: %w", f.configFile, err)
		}
		// Flags win over the file: parse them again on top of it.
		if err := fs.Parse(args); err != nil {
			return f, err
		}
	}
	if err := f.cfg.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

func oneOf(dst *string, allowed ...string) func(string) error {
	return func(s string) error {
		for _, a := range allowed {
			if s == a {
				*dst = s
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

func durationFlag(d *emulator.Duration) func(string) error {
	return func(s string) error { return d.UnmarshalText([]byte(s)) }
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseServeFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "patctl-emulator:", err)
		return 2
	}
	em, err := emulator.Start(emulator.Options{Addr: f.addr, Config: &f.cfg, StateFile: f.state})
	if err != nil {
		fmt.Fprintln(stderr, "patctl-emulator:", err)
		return 1
	}
	defer em.Close()

	caFile := f.caFile
	if caFile == "" {
		dir := filepath.Dir(f.state)
		if f.state == "" {
			if dir, err = os.MkdirTemp("", "patctl-emulator-"); err != nil {
				fmt.Fprintln(stderr, "patctl-emulator:", err)
				return 1
			}
			defer os.RemoveAll(dir)
		}
		caFile = filepath.Join(dir, "ca.pem")
	}
	if caFile, err = filepath.Abs(caFile); err == nil {
		err = atomicfile.Write(caFile, em.CAPEM(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "patctl-emulator: write CA:", err)
		return 1
	}

	exports := exportLines(em, caFile)
	if f.envFile != "" {
		// Whole or not at all: a script waits for the file to appear.
		if err := atomicfile.Write(f.envFile, []byte(exports), 0o644); err != nil {
			fmt.Fprintln(stderr, "patctl-emulator: --env-file:", err)
			return 1
		}
	}
	// Printed once every file is written: a script that waits for the
	// exports (or the lines on stderr) may read the files at once.
	fmt.Fprint(stdout, exports)
	cfg := em.Config()
	fmt.Fprintf(stderr, "patctl-emulator: serving Entra ID and Azure DevOps at %s\n", em.URL())
	if user, ok := firstUser(cfg); ok {
		fmt.Fprintf(stderr, "  signs in as %s; ", user)
	}
	fmt.Fprint(stderr, "any organization name is served")
	if cfg.OnlyConfiguredOrgs {
		fmt.Fprint(stderr, " only if configured")
	}
	fmt.Fprintf(stderr, "\n  control: %s/_emulator/{requests,config,faults,revoke-sessions,clock}\n", em.URL())
	fmt.Fprintln(stderr, "  stop with Ctrl-C")

	<-ctx.Done()
	if err := em.Err(); err != nil {
		fmt.Fprintln(stderr, "patctl-emulator: state file:", err)
		return 1
	}
	return 0
}

func firstUser(cfg emulator.Config) (string, bool) {
	if cfg.BrowserUser != "" {
		return cfg.BrowserUser, true
	}
	if len(cfg.Users) == 0 {
		return "", false
	}
	return cfg.Users[0].UPN, true
}

// exportLines are the shell lines that point patctl at the emulator.
func exportLines(em *emulator.Emulator, caFile string) string {
	cfg := em.Config()
	tenant, org := "organizations", emulator.DefaultOrg
	if len(cfg.Tenants) > 0 {
		tenant = cfg.Tenants[0].ID
	}
	if len(cfg.Orgs) > 0 {
		org = cfg.Orgs[0].Name
	}
	var b strings.Builder
	for _, kv := range [][2]string{
		{"PATCTL_AUTHORITY", em.Authority(tenant)},
		{"PATCTL_API_URL", em.URL()},
		{"PATCTL_DEVOPS_URL", em.URL()},
		{"PATCTL_KEYVAULT_URL", em.URL() + emulator.KeyVaultPrefix + "/{vault}"},
		{"PATCTL_CA_FILE", caFile},
		{"PATCTL_ORG", org},
		{"PATCTL_GITHUB_API_URL", em.URL() + "/github"},
		{"PATCTL_VSSPS_APP_URL", em.URL()},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.String()
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == ':' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// browse acts as the user's browser for a sign-in URL: usable as $BROWSER.
func browse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("patctl-emulator browse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	caFile := fs.String("ca-file", os.Getenv("PATCTL_CA_FILE"), "PEM `file` of the CA to trust (default $PATCTL_CA_FILE)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: patctl-emulator browse [--ca-file FILE] URL")
		return 2
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintf(stderr, "patctl-emulator browse: --ca-file %s: no usable PEM certificate\n", *caFile)
			return 2
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	page, err := fakebrowser.Follow(ctx, fakebrowser.Client(&http.Client{Transport: tr}), fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "patctl-emulator browse:", err)
		return 1
	}
	fmt.Fprintln(stdout, strings.TrimSpace(page))
	return 0
}

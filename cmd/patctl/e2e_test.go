package main

// End-to-end tests: scripts in testdata/script run the real patctl entry
// point, each command in its own process, against the emulator over TLS, with
// Microsoft's MSAL Go doing the sign-in. See testdata/script/README.md.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/patctl/patctl/internal/cli"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/fakebrowser"
	"github.com/patctl/patctl/internal/emulator/github"
	"github.com/patctl/patctl/internal/emulator/keyvault"
	"github.com/patctl/patctl/internal/patapi"
)

// Environment of the test binary when it runs as one of the script commands.
const (
	envTestKeyring      = "PATCTL_TEST_KEYRING"       // directory of the file keyring; unset: the OS keyring
	envTestKeyringLimit = "PATCTL_TEST_KEYRING_LIMIT" // refuse longer secrets, as Windows does above 2560 bytes
	envTestKeyringFail  = "PATCTL_TEST_KEYRING_FAIL"  // "unavailable": every keyring call fails
	envBrowserFail      = "FAKEBROWSER_FAIL"          // the fake browser fails to start
	envTestStopAt       = "PATCTL_TEST_STOP_AT"       // a create or rotate stops itself (SIGSTOP) at this stage
)

func TestMain(m *testing.M) {
	// The tests here mostly wait on the processes they start, on timeouts and
	// on retries, not on the CPU: run more of them at once than GOMAXPROCS.
	// Set before the flags are parsed, so an explicit -parallel still wins.
	flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	testscript.Main(m, map[string]func(){
		"patctl-bin":  func() { os.Exit(runPatctl()) },
		"fakebrowser": func() { os.Exit(runFakeBrowser()) },
	})
}

// runPatctl is patctl's entry point with, in tests, a keyring in files so
// that it is shared by the processes of one script.
func runPatctl() int {
	dir := os.Getenv(envTestKeyring)
	if dir == "" {
		return cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	}
	limit, _ := strconv.Atoi(os.Getenv(envTestKeyringLimit))
	kr := &fileKeyring{dir: dir, limit: limit, fail: os.Getenv(envTestKeyringFail) != ""}
	var stage func(string)
	if at := os.Getenv(envTestStopAt); at != "" {
		stage = func(s string) {
			if s == at {
				stopSelf() // the test interrupts, kills or resumes it here
			}
		}
	}
	return cli.Run(cli.Options{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, LookupEnv: os.LookupEnv, Keyring: kr, Stage: stage})
}

// runFakeBrowser is what $BROWSER runs: it follows the sign-in URL like a
// person's browser would.
func runFakeBrowser() int {
	if os.Getenv(envBrowserFail) != "" {
		fmt.Fprintln(os.Stderr, "fakebrowser: cannot open display")
		return 3
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fakebrowser URL")
		return 2
	}
	client, err := cmdutil.NewHTTPClient(os.Getenv("PATCTL_CA_FILE"), 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakebrowser:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := fakebrowser.Follow(ctx, fakebrowser.Client(client), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "fakebrowser:", err)
		return 1
	}
	return 0
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"patctl":    cmdPatctl,
			"exitcode":  cmdExitCode,
			"emulator":  cmdEmulator,
			"keyring":   cmdKeyring,
			"perm":      cmdPerm,
			"leakcheck": cmdLeakCheck,
			"jsonvar":   cmdJSONVar,
			"editlogin": cmdEditLogin,
			"setquoted": cmdSetQuoted,
			"loginrt":   cmdLoginRT,
		},
	})
}

// childGORACE is GORACE for the patctl processes tests start: without the
// race detector's one-second sleep at exit (atexit_sleep_ms, default 1000),
// which, over hundreds of processes, was most of the suite's time. Races are
// still reported while a process runs; the caller's GORACE options come after
// and win.
func childGORACE() string {
	return strings.TrimSpace("atexit_sleep_ms=0 " + os.Getenv("GORACE"))
}

type scriptKey string

const (
	keyEmulator scriptKey = "emulator"
	keyExit     scriptKey = "exit"
)

// setupScript starts an emulator for the script and points patctl at it.
func setupScript(env *testscript.Env) error {
	em, err := emulator.Start(emulator.Options{})
	if err != nil {
		return err
	}
	env.Defer(func() { em.Close() })
	env.Values[keyEmulator] = em
	env.Values[keyExit] = new(int)
	caFile := filepath.Join(env.WorkDir, "ca.pem")
	if err := os.WriteFile(caFile, em.CAPEM(), 0o644); err != nil {
		return err
	}
	for k, v := range map[string]string{
		"PATCTL_AUTHORITY":    em.Authority(emulator.DefaultTenantID),
		"PATCTL_API_URL":      em.URL(),
		"PATCTL_DEVOPS_URL":   em.URL(),
		"PATCTL_KEYVAULT_URL": em.URL() + emulator.KeyVaultPrefix + "/{vault}",
		// The Profile and Accounts APIs (patctl orgs, --every-org).
		"PATCTL_VSSPS_APP_URL": em.URL(),
		"PATCTL_CA_FILE":       caFile,
		"PATCTL_CONFIG_DIR":    filepath.Join(env.WorkDir, "config"),
		"PATCTL_ORG":           emulator.DefaultOrg,
		envTestKeyring:         filepath.Join(env.WorkDir, "keyring"),
		"BROWSER":              "fakebrowser",
		"EMULATOR_URL":         em.URL(),
		"HTTPS_PROXY":          strings.TrimPrefix(noInternet, "HTTPS_PROXY="),
		// Every run appends its HTTP trace here, which is leak-checked too.
		"PATCTL_DEBUG":   filepath.Join(env.WorkDir, "debug.log"),
		"DEFAULT_UPN":    emulator.DefaultUserUPN,
		"DEFAULT_TENANT": emulator.DefaultTenantID,
		"GORACE":         childGORACE(),
		// github:// sinks go to the emulator's fake GitHub with its token.
		"PATCTL_GITHUB_API_URL":      em.URL() + "/github",
		"GH_TOKEN":                   github.DefaultToken,
		"EMULATOR_GH_TOKEN":          github.DefaultToken,
		"EMULATOR_GH_READONLY_TOKEN": github.ReadOnlyToken,
		"EMULATOR_GH_NOACCESS_TOKEN": github.NoAccessToken,
	} {
		env.Setenv(k, v)
	}
	return nil
}

func emulatorOf(ts *testscript.TestScript) *emulator.Emulator {
	return ts.Value(keyEmulator).(*emulator.Emulator)
}

// cmdPatctl runs patctl in its own process, records its exit code, and fails
// the script if anything it printed holds a secret the emulator issued.
func cmdPatctl(ts *testscript.TestScript, neg bool, args []string) {
	err := ts.Exec("patctl-bin", args...)
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		ts.Fatalf("run patctl: %v", err)
	}
	*ts.Value(keyExit).(*int) = code
	stdout, stderr := ts.ReadFile("stdout"), ts.ReadFile("stderr")
	if slices.Contains(args, "token") {
		checkNoLeak(ts, stderr) // printing the access token is its job
	} else {
		checkNoLeak(ts, stdout+stderr)
	}
	if trace, err := os.ReadFile(ts.Getenv("PATCTL_DEBUG")); err == nil {
		checkNoLeak(ts, string(trace))
		for _, pat := range emulatorOf(ts).IssuedPATs() {
			if strings.Contains(string(trace), pat) {
				ts.Fatalf("the HTTP trace of patctl %s holds a PAT's secret", strings.Join(args, " "))
			}
		}
	}
	// A PAT's secret may appear only where create and rotate deliver it.
	delivers := slices.Contains(args, "create") || slices.Contains(args, "rotate") || slices.Contains(args, "resume") || slices.Contains(args, "apply")
	for _, pat := range emulatorOf(ts).IssuedPATs() {
		if strings.Contains(stderr, pat) || (!delivers && strings.Contains(stdout, pat)) {
			ts.Fatalf("patctl %s printed a PAT's secret where it must not", strings.Join(args, " "))
		}
	}
	if neg && code == 0 {
		ts.Fatalf("patctl %s: unexpected success", strings.Join(args, " "))
	}
	if !neg && code != 0 {
		ts.Fatalf("patctl %s: exit %d\n%s", strings.Join(args, " "), code, ts.ReadFile("stderr"))
	}
}

func checkNoLeak(ts *testscript.TestScript, output string) {
	em := emulatorOf(ts)
	for _, tok := range em.Config().GitHub.Tokens {
		if strings.Contains(output, tok.Value) {
			ts.Fatalf("a GitHub token appears in patctl's output")
		}
	}
	for _, secret := range em.IssuedSecrets() {
		if len(secret) >= 16 && strings.Contains(output, secret) {
			ts.Fatalf("a secret issued by the emulator appears in patctl's output")
		}
	}
}

// sequenceMatches reports whether ops are want, where an element {a,b,…}
// of want stands for those operations in any order.
func sequenceMatches(ops, want []string) bool {
	for _, w := range want {
		group := []string{w}
		if inner, ok := strings.CutPrefix(w, "{"); ok {
			group = strings.Split(strings.TrimSuffix(inner, "}"), ",")
		}
		if len(ops) < len(group) {
			return false
		}
		head := slices.Clone(ops[:len(group)])
		slices.Sort(head)
		slices.Sort(group)
		if !slices.Equal(head, group) {
			return false
		}
		ops = ops[len(group):]
	}
	return len(ops) == 0
}

// cmdExitCode checks the exit code of the last patctl: exitcode N
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: exitcode N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := *ts.Value(keyExit).(*int); (got == want) == neg {
		ts.Fatalf("exit code %d, want %s%d", got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdEmulator controls the script's emulator:
//
//	emulator config JSON            merge JSON into the configuration
//	emulator revoke-sessions        revoke every refresh token of the default user
//	emulator reset-log              empty the request log
//	emulator requests OP[:GRANT] N  exactly N requests of that operation (and grant)
//	emulator entra-requests N       exactly N requests to Entra ID, all kinds
//	emulator token-env VAR          set VAR to a fresh access token of the default user
//	emulator keyvault-secret VAULT/NAME VAR   VAR, VAR_VERSION, VAR_VERSIONS, VAR_EXP (RFC 3339),
//	                                VAR_ID, VAR_ORG, VAR_NAME: the latest version of a Key Vault secret and its tags
//	emulator keyvault-delete VAULT/NAME       soft-delete a Key Vault secret
//	emulator keyvault-client         register Key Vault's test service principal (AZURE_CLIENT_ID …)
//	emulator keyvault-guest-vault NAME TENANT   a vault in another tenant, TENANT, where the
//	                                default user is a guest with access to the vault
//	emulator vargroup-…             variable groups (see emulatorVarGroup)
//	emulator github-secret PATH FILE [VISIBILITY [REPO_ID,…]]
//	                                the fake GitHub's secret PATH (OWNER/REPO/NAME, …/environments/ENV/NAME,
//	                                ORG/NAME) holds FILE's content (less a final newline), with that access
//	emulator github-seed ORG NAME VISIBILITY [REPO_ID,…]   an existing organization secret
//	emulator advance DURATION       move the emulator's clock forward
func cmdEmulator(ts *testscript.TestScript, neg bool, args []string) {
	em := emulatorOf(ts)
	if len(args) == 0 {
		ts.Fatalf("usage: emulator SUBCOMMAND …")
	}
	switch args[0] {
	case "config":
		var patch string
		if len(args) == 2 {
			patch = args[1]
		}
		var mergeErr error
		err := em.Update(func(c *emulator.Config) {
			var merged emulator.Config
			if merged, mergeErr = emulator.MergeConfig(*c, []byte(patch)); mergeErr == nil {
				*c = merged
			}
		})
		ts.Check(errors.Join(err, mergeErr))
	case "revoke-sessions":
		if em.RevokeSessions(emulator.DefaultUserUPN) == 0 {
			ts.Fatalf("no session to revoke")
		}
	case "reset-log":
		em.ResetRequests()
	case "requests", "entra-requests":
		var want int
		var err error
		match := func(r emulator.Request) bool { return true }
		if args[0] == "requests" && len(args) == 3 {
			op, grant, _ := strings.Cut(args[1], ":")
			match = func(r emulator.Request) bool { return r.Op == op && (grant == "" || r.GrantType == grant) }
			want, err = strconv.Atoi(args[2])
		} else if args[0] == "entra-requests" && len(args) == 2 {
			match = isEntraRequest
			want, err = strconv.Atoi(args[1])
		} else {
			ts.Fatalf("usage: emulator requests OP[:GRANT] N | emulator entra-requests N")
		}
		ts.Check(err)
		got := 0
		var seen []string
		for _, r := range em.Requests() {
			seen = append(seen, r.Op+":"+r.GrantType)
			if match(r) {
				got++
			}
		}
		if (got == want) == neg {
			ts.Fatalf("%d matching requests, want %d; log: %v", got, want, seen)
		}
	case "sequence":
		// The PAT API operations since the last reset-log, in order; a group
		// {a,b} is operations sent side by side, in either order.
		var ops []string
		for _, r := range em.Requests() {
			switch r.Op {
			case emulator.OpList, emulator.OpGet, emulator.OpCreate, emulator.OpUpdate, emulator.OpRevoke:
				ops = append(ops, r.Op)
			}
		}
		if got, want := strings.Join(ops, " "), strings.Join(args[1:], " "); sequenceMatches(ops, args[1:]) == neg {
			ts.Fatalf("PAT API calls %q, want %q", got, want)
		}
	case "connections":
		// TCP connections opened since the last reset-log: N, or N-M
		lo, hi, ok := strings.Cut(args[1], "-")
		if !ok {
			hi = lo
		}
		least, err := strconv.Atoi(lo)
		ts.Check(err)
		most, err := strconv.Atoi(hi)
		ts.Check(err)
		if got := em.Connections(); (got >= int64(least) && got <= int64(most)) == neg {
			ts.Fatalf("%d connections, want %s", got, args[1])
		}
	case "total":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := len(em.Requests()); (got == want) == neg {
			ts.Fatalf("%d requests, want %d", got, want)
		}
	case "create-tokens":
		// emulator create-tokens N PREFIX: N tokens named PREFIX-000… for the default user
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		tok, err := em.AccessToken(emulator.DefaultUserUPN)
		ts.Check(err)
		client := em.HTTPClient()
		for i := 0; i < n; i++ {
			body := fmt.Sprintf(`{"displayName":"%s-%03d","scope":"vso.code","validTo":"%s","allOrgs":false}`,
				args[2], i, time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339))
			req, _ := http.NewRequest("POST", em.URL()+"/"+emulator.DefaultOrg+"/_apis/tokens/pats?api-version=7.1-preview.1", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			ts.Check(err)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				ts.Fatalf("create token %d: HTTP %d", i, resp.StatusCode)
			}
		}
	case "expired-token":
		// emulator expired-token NAME VAR: a token that expired an hour ago,
		// made with the emulator's clock set back; VAR gets its id
		if len(args) != 3 {
			ts.Fatalf("usage: emulator expired-token NAME VAR")
		}
		em.Advance(-2 * time.Hour)
		api := patapi.New(bearerClient(ts, em), em.URL(), emulator.DefaultOrg)
		tok, err := api.Create(context.Background(), patapi.CreateRequest{DisplayName: args[1], Scope: "vso.code", ValidTo: time.Now().Add(-time.Hour)})
		em.Advance(2 * time.Hour)
		ts.Check(err)
		ts.Setenv(args[2], tok.AuthorizationID)
	case "advance":
		// emulator advance DURATION: move the emulator's clock (Azure DevOps,
		// Key Vault, GitHub) forward for good
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		em.Advance(d)
	case "invalidate-tokens":
		if em.InvalidateAccessTokens() == 0 {
			ts.Fatalf("no access token to invalidate")
		}
	case "clear-faults":
		em.ClearFaults()
	case "fault":
		// emulator fault JSON: arm a fault
		var f emulator.Fault
		ts.Check(json.Unmarshal([]byte(args[1]), &f))
		ts.Check(em.AddFault(f))
	case "vargroup-var", "vargroup-add", "vargroup-role":
		emulatorVarGroup(ts, em, args)
	case "github-secret":
		if len(args) < 3 || len(args) > 5 {
			ts.Fatalf("usage: emulator github-secret PATH FILE [VISIBILITY [REPO_ID,…]]")
		}
		s, err := em.GitHub().Secret(args[1])
		ts.Check(err)
		if want := strings.TrimSuffix(ts.ReadFile(args[2]), "\n"); s.Value != want {
			ts.Fatalf("GitHub secret %s does not hold the content of %s", args[1], args[2])
		}
		if len(args) > 3 && s.Visibility != args[3] {
			ts.Fatalf("GitHub secret %s: visibility %q, want %q", args[1], s.Visibility, args[3])
		}
		if len(args) > 4 && fmt.Sprint(s.RepoIDs) != fmt.Sprint(repoIDs(ts, args[4])) {
			ts.Fatalf("GitHub secret %s: repositories %v, want %s", args[1], s.RepoIDs, args[4])
		}
	case "github-seed":
		if len(args) < 4 || len(args) > 5 {
			ts.Fatalf("usage: emulator github-seed ORG NAME VISIBILITY [REPO_ID,…]")
		}
		var ids []int64
		if len(args) == 5 {
			ids = repoIDs(ts, args[4])
		}
		ts.Check(em.GitHub().SeedOrgSecret(args[1], args[2], "seeded-value", args[3], ids))
	case "token-env":
		if len(args) != 2 {
			ts.Fatalf("usage: emulator token-env VAR")
		}
		tok, err := em.AccessToken(emulator.DefaultUserUPN)
		ts.Check(err)
		ts.Setenv(args[1], tok)
	case "keyvault-secret":
		vault, name, _ := strings.Cut(args[1], "/")
		s, ok := em.KeyVault().Latest(vault, name)
		if ok == neg {
			ts.Fatalf("keyvault secret %s: exists %v", args[1], ok)
		}
		if ok {
			v := args[2]
			ts.Setenv(v, s.Value)
			ts.Setenv(v+"_VERSION", s.Version)
			ts.Setenv(v+"_VERSIONS", strconv.Itoa(s.Versions))
			ts.Setenv(v+"_EXP", s.Expires.Format(time.RFC3339))
			ts.Setenv(v+"_ID", s.Tags["pat-authorization-id"])
			ts.Setenv(v+"_ORG", s.Tags["pat-org"])
			ts.Setenv(v+"_NAME", s.Tags["pat-name"])
		}
	case "keyvault-delete":
		vault, name, _ := strings.Cut(args[1], "/")
		em.KeyVault().MarkDeleted(vault, name)
	case "keyvault-client":
		ts.Check(em.Update(func(c *emulator.Config) {
			c.Clients = append(c.Clients, emulator.Client{ID: emulator.KeyVaultClientID, Confidential: true, Secret: emulator.KeyVaultClientSecret})
		}))
		ts.Setenv("KV_CLIENT_ID", emulator.KeyVaultClientID)
		ts.Setenv("KV_CLIENT_SECRET", emulator.KeyVaultClientSecret)
	case "keyvault-guest-vault":
		ts.Check(em.Update(func(c *emulator.Config) {
			c.Tenants = append(c.Tenants, emulator.Tenant{ID: args[2], Domain: "partner.onmicrosoft.com", Guests: []string{emulator.DefaultUserOID}})
		}))
		em.KeyVault().SetVault(keyvault.Vault{Name: args[1], Access: []string{emulator.DefaultUserOID}, Tenant: args[2]})
	default:
		ts.Fatalf("unknown emulator subcommand %q", args[0])
	}
}

func repoIDs(ts *testscript.TestScript, list string) []int64 {
	var ids []int64
	for _, f := range strings.Split(list, ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		ts.Check(err)
		ids = append(ids, id)
	}
	return ids
}

// bearerClient calls the emulator as the default user, with an access token
// issued now by the emulator's clock.
func bearerClient(ts *testscript.TestScript, em *emulator.Emulator) *http.Client {
	client, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	ts.Check(err)
	return client
}

func isEntraRequest(r emulator.Request) bool {
	switch r.Op {
	case emulator.OpOpenIDConfig, emulator.OpKeys, emulator.OpAuthorize, emulator.OpDeviceCode, emulator.OpToken, emulator.OpDeviceLogin:
		return true
	}
	return false
}

// cmdKeyring inspects the script's file keyring:
//
//	keyring count N      it holds N secrets
//	keyring reads N      N reads were made since the last `keyring reset`
//	keyring reset        forget the counts
func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	kr := &fileKeyring{dir: ts.Getenv(envTestKeyring)}
	if len(args) == 0 {
		ts.Fatalf("usage: keyring count|reads N | keyring reset")
	}
	switch args[0] {
	case "reset":
		ts.Check(os.RemoveAll(kr.opsPath()))
		return
	case "count", "reads":
	default:
		ts.Fatalf("unknown keyring subcommand %q", args[0])
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := 0
	if args[0] == "count" {
		items, err := kr.load()
		ts.Check(err)
		got = len(items)
	} else {
		ops, _ := os.ReadFile(kr.opsPath())
		got = strings.Count(string(ops), "get\n")
	}
	if (got == want) == neg {
		ts.Fatalf("keyring %s: %d, want %d", args[0], got, want)
	}
}

// cmdPerm checks a file's permission bits: perm PATH 0600
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm PATH MODE")
	}
	info, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if got := info.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %#o, want %#o", args[0], got, want)
	}
}

// cmdJSONVar sets an environment variable from the last stdout, read as
// JSON: jsonvar VAR PATH, where PATH is dot-separated keys and indexes.
func cmdJSONVar(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonvar VAR PATH")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
	for _, part := range strings.Split(args[1], ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				ts.Fatalf("jsonvar: no element %q", part)
			}
			v = node[i]
		default:
			ts.Fatalf("jsonvar: %q goes past a leaf", args[1])
		}
	}
	switch leaf := v.(type) {
	case string:
		ts.Setenv(args[0], leaf)
	default:
		b, _ := json.Marshal(leaf)
		ts.Setenv(args[0], string(b))
	}
}

// cmdSetQuoted sets an environment variable to a Go string literal, for text a
// script cannot write, like control characters: setquoted VAR '"a\tb"'
func cmdSetQuoted(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: setquoted VAR QUOTED")
	}
	s, err := strconv.Unquote(args[1])
	ts.Check(err)
	ts.Setenv(args[0], s)
}

// cmdEditLogin sets a field of every stored login record, as if time had
// passed: editlogin KEY VALUE
func cmdEditLogin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: editlogin KEY VALUE")
	}
	path := filepath.Join(ts.Getenv("PATCTL_CONFIG_DIR"), "auth", "login.json")
	var logins struct {
		Current  string           `json:"current"`
		Accounts []map[string]any `json:"accounts"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &logins))
	for _, a := range logins.Accounts {
		a[args[0]] = args[1]
	}
	data, err := json.Marshal(logins)
	ts.Check(err)
	ts.Check(os.WriteFile(path, data, 0o600))
}

// cmdLoginRT sets VAR to a digest of the refresh token held by an exported
// login — in a file, or (kv:VAULT/NAME) the latest version of a Key Vault
// secret — failing if it is not a login holding exactly one:
// loginrt VAR FILE|kv:VAULT/NAME
func cmdLoginRT(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: loginrt VAR FILE|kv:VAULT/NAME")
	}
	var data string
	if ref, ok := strings.CutPrefix(args[1], "kv:"); ok {
		vault, name, _ := strings.Cut(ref, "/")
		s, found := emulatorOf(ts).KeyVault().Latest(vault, name)
		if !found {
			ts.Fatalf("no Key Vault secret %s", ref)
		}
		data = s.Value
	} else {
		data = ts.ReadFile(args[1])
	}
	rt, err := exportedRefreshToken([]byte(data))
	ts.Check(err)
	sum := sha256.Sum256([]byte(rt))
	ts.Setenv(args[0], hex.EncodeToString(sum[:8]))
}

// exportedRefreshToken is the one refresh token of an exported login.
func exportedRefreshToken(data []byte) (string, error) {
	var doc struct {
		Format    string `json:"format"`
		MSALCache struct {
			RefreshToken map[string]struct {
				Secret string `json:"secret"`
			} `json:"RefreshToken"`
		} `json:"msalCache"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Format != credstore.ExportFormat {
		return "", fmt.Errorf("not an exported login (%v)", err)
	}
	if len(doc.MSALCache.RefreshToken) != 1 {
		return "", fmt.Errorf("%d refresh tokens in the exported login, want 1", len(doc.MSALCache.RefreshToken))
	}
	for _, rt := range doc.MSALCache.RefreshToken {
		return rt.Secret, nil
	}
	return "", nil
}

// cmdLeakCheck fails if a file holds a secret the emulator issued: leakcheck PATH…
func cmdLeakCheck(ts *testscript.TestScript, neg bool, args []string) {
	for _, p := range args {
		checkNoLeak(ts, ts.ReadFile(p))
	}
}

// fileKeyring is a keyring in one JSON file, shared by the processes of a
// script; it logs each operation so scripts can count keyring reads.
type fileKeyring struct {
	dir   string
	limit int
	fail  bool
}

func (k *fileKeyring) path() string    { return filepath.Join(k.dir, "items.json") }
func (k *fileKeyring) opsPath() string { return filepath.Join(k.dir, "ops.log") }

func (k *fileKeyring) load() (map[string]string, error) {
	items := map[string]string{}
	data, err := os.ReadFile(k.path())
	if errors.Is(err, os.ErrNotExist) {
		return items, nil
	}
	if err != nil {
		return nil, err
	}
	return items, json.Unmarshal(data, &items)
}

func (k *fileKeyring) save(items map[string]string) error {
	data, err := json.Marshal(items)
	if err != nil {
		return err
	}
	return os.WriteFile(k.path(), data, 0o600)
}

func (k *fileKeyring) op(name string) error {
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(k.opsPath(), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteString(name + "\n"); err != nil {
		return err
	}
	if k.fail {
		return fmt.Errorf("%w: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files", credstore.ErrUnavailable)
	}
	return nil
}

func (k *fileKeyring) Get(service, user string) (string, error) {
	if err := k.op("get"); err != nil {
		return "", err
	}
	items, err := k.load()
	if err != nil {
		return "", err
	}
	v, ok := items[service+"/"+user]
	if !ok {
		return "", credstore.ErrNotFound
	}
	return v, nil
}

func (k *fileKeyring) Set(service, user, secret string) error {
	if err := k.op("set"); err != nil {
		return err
	}
	if k.limit > 0 && len(secret) > k.limit {
		return credstore.ErrTooBig
	}
	items, err := k.load()
	if err != nil {
		return err
	}
	items[service+"/"+user] = secret
	return k.save(items)
}

func (k *fileKeyring) Delete(service, user string) error {
	if err := k.op("delete"); err != nil {
		return err
	}
	items, err := k.load()
	if err != nil {
		return err
	}
	if _, ok := items[service+"/"+user]; !ok {
		return credstore.ErrNotFound
	}
	delete(items, service+"/"+user)
	return k.save(items)
}

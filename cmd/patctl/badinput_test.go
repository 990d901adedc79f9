package main

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cli"
	"github.com/patctl/patctl/internal/credstore"
)

// badInput is one case of the bad-input corpus: what patctl is given, and
// the exit code and message it must answer with.
type badInput struct {
	name   string
	args   []string
	env    map[string]string
	files  map[string]string // config dir files
	answer func(w http.ResponseWriter, r *http.Request)
	code   int
	msg    string // regexp on stderr
}

func jsonAnswer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func htmlAnswer(status int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		io.WriteString(w, "<html><title>Azure DevOps Services | Sign In</title></html>")
	}
}

const goodPage = `{"continuationToken":"","patTokens":[{"displayName":"a","validTo":"2030-01-01T00:00:00Z","scope":"vso.code","targetAccounts":null,"validFrom":"2029-01-01T00:00:00Z","authorizationId":"4ab5764f-4193-4f1d-b995-64144880b7d7","token":null}]}`

const id = "4ab5764f-4193-4f1d-b995-64144880b7d7"

var badInputs = []badInput{
	// Flags.
	{name: "unknown flag", args: []string{"list", "--colour"}, code: 2, msg: `unknown flag: --colour`},
	{name: "unknown command", args: []string{"lsit"}, code: 2, msg: `unknown command "lsit"`},
	{name: "stray argument", args: []string{"list", "extra"}, code: 2, msg: `unknown command "extra"|unexpected argument "extra"`},
	{name: "duration that is no duration", args: []string{"create", "--name", "x", "--scope", "vso.code", "--expires", "soon"}, code: 2, msg: `--expires: "soon" is neither`},
	{name: "date in the past", args: []string{"create", "--name", "x", "--scope", "vso.code", "--expires", "2020-01-01"}, code: 2, msg: `--expires: .* is in the past`},
	{name: "ambiguous m", args: []string{"create", "--name", "x", "--scope", "vso.code", "--expires", "90m"}, code: 2, msg: `--expires: "90m" is ambiguous`},
	{name: "expiry past year 9999", args: []string{"create", "--name", "x", "--scope", "vso.code", "--expires", "100000y"}, code: 2, msg: `--expires: "100000y" is too far away`},
	{name: "negative duration", args: []string{"rotate", "--name", "x", "--expires", "-3d"}, code: 2, msg: `--expires`},
	{name: "empty name", args: []string{"create", "--name", "", "--scope", "vso.code"}, code: 2, msg: `--name: a name is required`},
	{name: "no scope", args: []string{"create", "--name", "x"}, code: 2, msg: `--scope: at least one scope`},
	{name: "malformed scope", args: []string{"create", "--name", "x", "--scope", "vso.code;rm"}, code: 2, msg: `--scope: "vso.code;rm" is not a scope name`},
	{name: "unknown scope", args: []string{"create", "--name", "x", "--scope", "vso.cod"}, code: 2, msg: `did you mean "vso.code"`},
	{name: "malformed id", args: []string{"get", "--id", "42"}, code: 2, msg: `--id: "42" is not an authorization id`},
	{name: "no selector", args: []string{"get"}, code: 2, msg: `give NAME, --name NAME or --id ID`},
	{name: "both selectors", args: []string{"get", "--id", id, "--name", "x"}, code: 2, msg: `--id and --name cannot be used together`},
	{name: "blank name", args: []string{"revoke", "--name", "  ", "--yes"}, code: 2, msg: `--name: a name cannot be empty`},
	{name: "revoke without --yes", args: []string{"revoke", "--name", "x"}, code: 2, msg: `--yes is required`},
	{name: "update with nothing", args: []string{"update", "--name", "x"}, code: 2, msg: `nothing to update`},
	{name: "empty rename", args: []string{"update", "--name", "x", "--rename", ""}, code: 2, msg: `--rename: the new name cannot be empty`},
	{name: "unknown status", args: []string{"list", "--status", "gone"}, code: 2, msg: `--status: "gone" is not one of`},
	{name: "unknown sort", args: []string{"list", "--sort", "size"}, code: 2, msg: `--sort: "size" is not one of`},
	{name: "bad organization", args: []string{"list", "--org", "a/b"}, code: 2, msg: `--org: "a/b" is not an organization name`},
	{name: "no organization", args: []string{"list"}, env: map[string]string{"PATCTL_ORG": ""}, code: 2, msg: `--org: an organization is required`},
	{name: "negative max-wait", args: []string{"list", "--max-wait=-5s"}, code: 2, msg: `--max-wait: -5s is negative`},
	{name: "bad max-wait", args: []string{"list", "--max-wait", "soon"}, code: 2, msg: `invalid argument "soon" for "--max-wait"`},
	{name: "check without a time", args: []string{"check"}, code: 2, msg: `--expiring-within: a duration is required`},
	{name: "check with a bad time", args: []string{"check", "--expiring-within", "soon"}, code: 2, msg: `--expiring-within: "soon" is not a duration`},
	{name: "bad grace", args: []string{"rotate", "--name", "x", "--grace", "later"}, code: 2, msg: `--grace: "later" is not a duration`},
	{name: "ci variable outside CI", args: []string{"create", "--name", "x", "--scope", "vso.code", "--ci-variable", "PAT"}, code: 2, msg: `--ci-variable: not running in Azure Pipelines`},
	{name: "bad ci variable name", args: []string{"create", "--name", "x", "--scope", "vso.code", "--ci-variable", "a-b"}, env: map[string]string{"TF_BUILD": "True"}, code: 2, msg: `--ci-variable: "a-b" is not a variable name`},
	{name: "ci variable with json", args: []string{"create", "--name", "x", "--scope", "vso.code", "--ci-variable", "PAT", "--json"}, env: map[string]string{"TF_BUILD": "True"}, code: 2, msg: `--ci-variable cannot be used with --json`},
	{name: "output file in no directory", args: []string{"create", "--name", "x", "--scope", "vso.code", "--output-file", "/no/such/dir/f"}, code: 2, msg: `--output-file file:/no/such/dir/f: cannot write in the directory of`},
	{name: "broken jq", args: []string{"list", "--jq", ".[] |"}, code: 2, msg: `--jq: `},
	{name: "bad tenant", args: []string{"login", "--tenant", "a b"}, env: map[string]string{"PATCTL_TOKEN": ""}, code: 2, msg: `--tenant: "a b" is not a tenant id or domain`},
	{name: "bad client id", args: []string{"login", "--client-id", "cli"}, env: map[string]string{"PATCTL_TOKEN": ""}, code: 2, msg: `--client-id: "cli" is not an application id`},
	{name: "login with PATCTL_TOKEN", args: []string{"login"}, code: 2, msg: `PATCTL_TOKEN is set`},
	{name: "unknown config key", args: []string{"config", "set", "colour", "red"}, code: 2, msg: `unknown key "colour"`},
	{name: "config get without key", args: []string{"config", "get"}, code: 2, msg: `takes 1 argument`},

	// Environment and config file.
	{name: "plain-http authority", args: []string{"list"}, env: map[string]string{"PATCTL_AUTHORITY": "http://login.example/t"}, code: 2, msg: `PATCTL_AUTHORITY: must be an https URL`},
	{name: "bad API URL", args: []string{"list"}, env: map[string]string{"PATCTL_API_URL": "ftp://x"}, code: 2, msg: `PATCTL_API_URL: must be an https URL`},
	{name: "bad timeout", args: []string{"list"}, env: map[string]string{"PATCTL_HTTP_TIMEOUT": "soon"}, code: 2, msg: `PATCTL_HTTP_TIMEOUT: "soon" is not a positive duration`},
	{name: "blank scopes", args: []string{"list"}, env: map[string]string{"PATCTL_SCOPES": "  "}, code: 0, msg: ``},
	{name: "bad PATCTL_ORG", args: []string{"list"}, env: map[string]string{"PATCTL_ORG": "a b"}, code: 2, msg: `PATCTL_ORG: "a b" is not an organization name`},
	{name: "missing CA file", args: []string{"list"}, env: map[string]string{"PATCTL_CA_FILE": "/no/such/ca.pem"}, code: 2, msg: `PATCTL_CA_FILE: open /no/such/ca.pem`},
	{name: "unknown profile", args: []string{"list", "--profile", "nope"}, code: 2, msg: `--profile: no profile "nope"`},
	{name: "unknown profile in env", args: []string{"list"}, env: map[string]string{"PATCTL_PROFILE": "nope"}, code: 2, msg: `PATCTL_PROFILE: no profile "nope"`},
	{name: "broken config file", args: []string{"list"}, files: map[string]string{"config.yaml": "profiles: [1"}, code: 2, msg: `config.yaml: `},
	{name: "config file with unknown key", args: []string{"list"}, files: map[string]string{"config.yaml": "profiles:\n  default:\n    colour: red\n"}, code: 2, msg: `(?s)config.yaml: .*colour`},
	{name: "corrupt login record", args: []string{"list"}, env: map[string]string{"PATCTL_TOKEN": ""}, files: map[string]string{"auth/login.json": "{not json"}, code: 1, msg: `the stored login cannot be read`},

	// Server answers.
	{name: "malformed JSON", args: []string{"list"}, answer: jsonAnswer(200, `{"patTokens": [`), code: 1, msg: `the answer is not the JSON expected`},
	{name: "truncated JSON", args: []string{"get", "--id", id}, answer: jsonAnswer(200, `{"patToken":{"displayName":"a"`), code: 1, msg: `not the JSON expected`},
	{name: "wrong types", args: []string{"list"}, answer: jsonAnswer(200, `{"patTokens":[{"displayName":7}]}`), code: 1, msg: `not the JSON expected`},
	{name: "bad time", args: []string{"list"}, answer: jsonAnswer(200, `{"patTokens":[{"validTo":"tomorrow"}]}`), code: 1, msg: `"tomorrow" is not a time`},
	{name: "HTML instead of JSON", args: []string{"list"}, answer: htmlAnswer(200), code: 4, msg: `PATCTL_TOKEN was refused \(HTTP 200\)`},
	{name: "203 sign-in page", args: []string{"list"}, answer: htmlAnswer(203), code: 4, msg: `HTTP 203`},
	{name: "redirect to sign-in", args: []string{"list"}, answer: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/_signin", 302) }, code: 4, msg: `HTTP 302`},
	{name: "401", args: []string{"list"}, answer: jsonAnswer(401, `{"message":"TF400813: anonymous"}`), code: 4, msg: `TF400813`},
	{name: "empty body", args: []string{"list"}, answer: jsonAnswer(200, ``), code: 1, msg: `not the JSON expected`},
	{name: "byte order mark", args: []string{"list"}, answer: jsonAnswer(200, "\xef\xbb\xbf"+goodPage), code: 0, msg: ``},
	{name: "10 MB body", args: []string{"list"}, answer: jsonAnswer(200, strings.Replace(goodPage, `"patTokens"`, strings.Repeat(" ", 10<<20)+`"patTokens"`, 1)), code: 0, msg: ``},
	{name: "20 MB body", args: []string{"list"}, answer: jsonAnswer(200, strings.Repeat(" ", 20<<20)), code: 1, msg: `larger than 16 MB`},
	{name: "unknown patTokenError", args: []string{"create", "--name", "x", "--scope", "vso.code"}, answer: jsonAnswer(200, `{"patToken":null,"patTokenError":"somethingNew","patTokenErrorMessage":"Try later."}`), code: 6, msg: `refused by the service: somethingNew: Try later.`},
	{name: "known patTokenError", args: []string{"create", "--name", "x", "--scope", "vso.code"}, answer: jsonAnswer(200, `{"patToken":null,"patTokenError":"fullScopePatPolicyViolation"}`), code: 6, msg: `full-access`},
	{name: "none without a token", args: []string{"get", "--id", id}, answer: jsonAnswer(200, `{"patToken":null,"patTokenError":"none"}`), code: 1, msg: `the answer has no token`},
	{name: "not found", args: []string{"get", "--id", id}, answer: jsonAnswer(200, `{"patToken":null,"patTokenError":"authorizationNotFound"}`), code: 3, msg: `no token has the id ` + id + ` in fabrikam`},
	{name: "service principal", args: []string{"list"}, answer: jsonAnswer(403, `{"message":"Service principals are not allowed to perform this action.","typeKey":"InvalidAccessException"}`), code: 6, msg: `Service principals are not allowed`},
	{name: "404 revoke", args: []string{"revoke", "--id", id, "--yes"}, answer: jsonAnswer(404, `{"message":"gone"}`), code: 3, msg: `no token has the id ` + id + ` in fabrikam`},
	{name: "500", args: []string{"list"}, answer: jsonAnswer(500, `{"message":"boom"}`), code: 1, msg: `HTTP 500 Internal Server Error: boom`},
	{name: "endless paging", args: []string{"list"}, answer: func() func(http.ResponseWriter, *http.Request) {
		n := 0
		return func(w http.ResponseWriter, r *http.Request) {
			n++
			jsonAnswer(200, fmt.Sprintf(`{"continuationToken":"p%d","patTokens":[]}`, n))(w, r)
		}
	}(), code: 1, msg: `the service keeps paging`},
	{name: "repeated continuation", args: []string{"list"}, answer: jsonAnswer(200, strings.Replace(goodPage, `"continuationToken":""`, `"continuationToken":"same"`, 1)), code: 1, msg: `repeated a continuation token`},
	{name: "429 with no time to wait", args: []string{"list", "--max-wait", "1s"}, answer: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	}, code: 1, msg: `HTTP 429`},
}

// runBadInput runs one case in-process against a stub server and returns
// the exit code and stderr, turning a panic into a failure.
func runBadInput(t *testing.T, c badInput) (code int, stderr string) {
	t.Helper()
	answer := c.answer
	if answer == nil {
		answer = jsonAnswer(200, goodPage)
	}
	var requests int
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		answer(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	configDir := filepath.Join(dir, "config")
	for name, content := range c.files {
		p := filepath.Join(configDir, name)
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(content), 0o600)
	}
	env := map[string]string{
		"PATCTL_TOKEN":      "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhZGEifQ.x",
		"PATCTL_API_URL":    srv.URL,
		"PATCTL_DEVOPS_URL": srv.URL,
		"PATCTL_CA_FILE":    caFile,
		"PATCTL_CONFIG_DIR": configDir,
		"PATCTL_ORG":        "fabrikam",
		"HTTPS_PROXY":       strings.TrimPrefix(noInternet, "HTTPS_PROXY="),
	}
	for k, v := range c.env {
		env[k] = v
	}
	var out, errOut bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: patctl panicked: %v", c.name, r)
			}
		}()
		code = cli.Run(cli.Options{Args: c.args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
			Getenv: func(k string) string { return env[k] }, Keyring: &credstore.Memory{}})
	}()
	if code == 2 && requests > 0 {
		t.Errorf("%s: a usage error sent %d requests", c.name, requests)
	}
	return code, errOut.String()
}

func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	if len(badInputs) < 50 {
		t.Fatalf("the corpus has %d cases, fewer than 50", len(badInputs))
	}
	var rows []string
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			code, stderr := runBadInput(t, c)
			ok := code == c.code && regexp.MustCompile(c.msg).MatchString(stderr)
			if !ok {
				t.Errorf("exit %d, want %d; stderr %q, want /%s/", code, c.code, stderr, c.msg)
			}
			first := strings.SplitN(strings.TrimSpace(stderr), "\n", 2)[0]
			rows = append(rows, fmt.Sprintf("| %s | `%s` | %d | %s | %s |", c.name, strings.Join(c.args, " "), code, mdEscape(first), map[bool]string{true: "pass", false: "FAIL"}[ok]))
		})
	}
	writeReliabilitySection(t, "bad-input", "| case | command | exit | message (first line) | |\n|---|---|---|---|---|\n"+strings.Join(rows, "\n")+"\n")
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}

// writeReliabilitySection saves a table for docs/reliability.md when
// PATCTL_RELIABILITY_OUT names a directory (make reliability does).
func writeReliabilitySection(t *testing.T, name, table string) {
	dir := os.Getenv("PATCTL_RELIABILITY_OUT")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".md"), []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
}

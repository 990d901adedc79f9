package cli

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/credstore"
)

// a JWT-shaped access token (unsigned: patctl does not check signatures).
const jwt = "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhZGEifQ.x"

// runWith runs patctl in-process against a stub of Azure DevOps that
// answers every request with status (0: no stub, nothing listens there).
func runWith(t *testing.T, status int, env map[string]string, args ...string) (code int, stderr string, requests int) {
	t.Helper()
	url := "https://127.0.0.1:1"
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if status != 0 {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests++
			w.WriteHeader(status)
		}))
		defer srv.Close()
		url = srv.URL
		os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	}
	vars := map[string]string{"PATCTL_API_URL": url, "PATCTL_CONFIG_DIR": dir, "PATCTL_ORG": "fabrikam", "PATCTL_CA_FILE": caFile}
	if status == 0 {
		delete(vars, "PATCTL_CA_FILE")
	}
	for k, v := range env {
		vars[k] = v
	}
	var out, errOut bytes.Buffer
	code = Run(Options{Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] }, Keyring: &credstore.Memory{}})
	return code, errOut.String(), requests
}

// TestUnusableEnvTokenAdvice: an access token in PATCTL_TOKEN that does not
// decode, or that Azure DevOps refuses, is exit 4 with advice that works
// while it is set — not `patctl login` alone, which refuses then.
func TestUnusableEnvTokenAdvice(t *testing.T) {
	const remedy = "set a fresh token in PATCTL_TOKEN, or unset PATCTL_TOKEN and run `patctl login`\n"
	code, stderr, requests := runWith(t, 401, map[string]string{"PATCTL_TOKEN": "not-a-jwt"}, "list")
	if code != cmdutil.ExitAuth || requests != 0 || stderr != "patctl: PATCTL_TOKEN is not an Entra access token (it does not decode as a JWT); "+remedy {
		t.Errorf("undecodable: exit %d, %d requests, %q", code, requests, stderr)
	}
	code, stderr, requests = runWith(t, 401, map[string]string{"PATCTL_TOKEN": jwt}, "list")
	if code != cmdutil.ExitAuth || requests != 1 || stderr != "patctl: list tokens: PATCTL_TOKEN was refused (HTTP 401); "+remedy {
		t.Errorf("refused: exit %d, %d requests, %q", code, requests, stderr)
	}
	code, stderr, _ = runWith(t, 401, map[string]string{"PATCTL_TOKEN": "not-a-jwt"}, "status")
	if code != cmdutil.ExitAuth || !strings.HasSuffix(stderr, remedy) {
		t.Errorf("status, undecodable: exit %d, %q", code, stderr)
	}
	expired := "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhZGEiLCJleHAiOjE3MDAwMDAwMDB9.x" // exp 2023-11-14T22:13:20Z
	code, stderr, _ = runWith(t, 401, map[string]string{"PATCTL_TOKEN": expired}, "status")
	if code != cmdutil.ExitAuth || stderr != "patctl: PATCTL_TOKEN expired at 2023-11-14T22:13:20Z; "+remedy {
		t.Errorf("status, expired: exit %d, %q", code, stderr)
	}
}

// TestNoURLWithoutDebug: a request that gets no answer is said in a line —
// the service, its host, why, what to do — without the method, the URL or
// its query string, which --debug adds on a line of their own.
func TestNoURLWithoutDebug(t *testing.T) {
	code, stderr, _ := runWith(t, 0, map[string]string{"PATCTL_TOKEN": jwt}, "list", "--max-wait", "0")
	if code != cmdutil.ExitError || stderr != "patctl: list tokens: cannot reach Azure DevOps (127.0.0.1:1): connection refused; check the network connection, then try again\n" {
		t.Errorf("exit %d, %q", code, stderr)
	}
	code, stderr, _ = runWith(t, 0, map[string]string{"PATCTL_TOKEN": jwt}, "list", "--max-wait", "0", "--debug")
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if code != cmdutil.ExitError || !strings.HasPrefix(last, "patctl: debug: GET https://127.0.0.1:1/fabrikam/_apis/tokens/pats?") || !strings.Contains(last, "connection refused") {
		t.Errorf("--debug: exit %d, %q", code, stderr)
	}
}

func TestInterruptSaysInterrupted(t *testing.T) {
	err := fmt.Errorf("list tokens: %w", fmt.Errorf("Get %q: %w", "https://x/?a=b", context.Canceled))
	if got := message(err, ExitCode(err)); got != "interrupted" {
		t.Errorf("%q", got)
	}
	// Exit 9 keeps what the journal holds to say.
	held := &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf("interrupted after the new secret was delivered: %w", context.Canceled)}
	if got := message(held, ExitCode(held)); !strings.HasPrefix(got, "interrupted after") {
		t.Errorf("%q", got)
	}
	if got := message(errors.New("boom"), 1); got != "boom" {
		t.Errorf("%q", got)
	}
}

// TestStatusSaysWhereOrgAndProfileComeFrom: status names the organization
// and the profile in force and where each came from, in text and JSON.
func TestStatusSaysWhereOrgAndProfileComeFrom(t *testing.T) {
	valid := "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhZGEiLCJleHAiOjQxMDI0NDQ4MDB9.x" // exp 2100-01-01
	for _, tc := range []struct {
		env  map[string]string
		args []string
		text []string
		json []string
	}{
		{map[string]string{"PATCTL_ORG": "https://dev.azure.com/contoso/"}, nil,
			[]string{"Organization: contoso (from PATCTL_ORG)", "Profile: default (the default)"},
			[]string{`"org": "contoso"`, `"orgSource": "env"`, `"profile": "default"`, `"profileSource": "default"`}},
		{map[string]string{"PATCTL_ORG": ""}, []string{"--org", "https://tailspin.visualstudio.com"},
			[]string{"Organization: tailspin (from --org)"},
			[]string{`"org": "tailspin"`, `"orgSource": "flag"`}},
		{map[string]string{"PATCTL_ORG": ""}, nil,
			[]string{"Organization: none (give --org, set PATCTL_ORG, or run `patctl config set org NAME`)"},
			[]string{`"org": ""`, `"orgSource": "none"`}},
	} {
		env := map[string]string{"PATCTL_TOKEN": valid}
		for k, v := range tc.env {
			env[k] = v
		}
		args := append([]string{"status"}, tc.args...)
		var out, errOut bytes.Buffer
		dir := t.TempDir()
		getenv := func(k string) string {
			if k == "PATCTL_CONFIG_DIR" {
				return dir
			}
			return env[k]
		}
		code := Run(Options{Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: getenv, Keyring: &credstore.Memory{}})
		squeeze := strings.NewReplacer("  ", " ")
		text := out.String()
		for strings.Contains(text, "  ") {
			text = squeeze.Replace(text)
		}
		for _, want := range tc.text {
			if code != 0 || !strings.Contains(text, squeeze.Replace(want)) {
				t.Errorf("%v %q: exit %d, no %q in\n%s%s", tc.env, args, code, want, out.String(), errOut.String())
			}
		}
		out.Reset()
		code = Run(Options{Args: append(args, "--json"), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: getenv, Keyring: &credstore.Memory{}})
		for _, want := range tc.json {
			if code != 0 || !strings.Contains(out.String(), want) {
				t.Errorf("%v %q --json: exit %d, no %q in\n%s", tc.env, args, code, want, out.String())
			}
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
)

// startProgram runs the emulator program until the test ends and returns the
// variables it exported. atFirstOutput runs when the program first writes to
// stdout, before any of it can be read.
func startProgram(t *testing.T, atFirstOutput func(), args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, args, &firstWrite{w: pw, at: atFirstOutput}, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d: %s", code, stderr.String())
			}
		case <-time.After(5 * time.Second):
			t.Error("the program did not stop on cancel")
		}
	})
	vars := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(vars) < exportCount && sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("not an export line: %q", sc.Text())
		}
		vars[k] = strings.Trim(v, "'")
	}
	go io.Copy(io.Discard, pr)
	return vars
}

// firstWrite calls at on the first Write, before passing anything on.
type firstWrite struct {
	w    io.Writer
	at   func()
	once sync.Once
}

func (f *firstWrite) Write(p []byte) (int, error) {
	f.once.Do(f.at)
	return f.w.Write(p)
}

func clientTrusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// exportCount is how many variables the program exports.
const exportCount = 8

func TestProgramPrintsWorkingExports(t *testing.T) {
	dir := t.TempDir()
	envFile, caFile := filepath.Join(dir, "env.sh"), filepath.Join(dir, "ca.pem")
	// What a script sees the moment the first export line is printed.
	var envAtFirstOutput, caAtFirstOutput []byte
	var envErr, caErr error
	atFirstOutput := func() {
		envAtFirstOutput, envErr = os.ReadFile(envFile)
		caAtFirstOutput, caErr = os.ReadFile(caFile)
	}
	vars := startProgram(t, atFirstOutput, "--state", filepath.Join(dir, "state.json"), "--env-file", envFile, "--page-size", "5")
	for _, k := range []string{"PATCTL_AUTHORITY", "PATCTL_API_URL", "PATCTL_DEVOPS_URL", "PATCTL_KEYVAULT_URL", "PATCTL_CA_FILE", "PATCTL_ORG", "PATCTL_GITHUB_API_URL", "PATCTL_VSSPS_APP_URL"} {
		if vars[k] == "" {
			t.Fatalf("%s not exported: %v", k, vars)
		}
	}
	if !strings.HasPrefix(vars["PATCTL_API_URL"], "https://127.0.0.1:") || vars["PATCTL_CA_FILE"] != caFile {
		t.Fatalf("exports %v", vars)
	}
	client := clientTrusting(t, vars["PATCTL_CA_FILE"])
	resp, err := client.Get(vars["PATCTL_AUTHORITY"] + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("openid-configuration: %d", resp.StatusCode)
	}
	// Flags reach the configuration.
	resp, err = client.Get(vars["PATCTL_API_URL"] + "/_emulator/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"defaultPageSize":5`) {
		t.Fatalf("config %s", body)
	}
	// Every file is whole before the exports are printed, so a script that
	// waits for them (or for the env file) can read the others at once.
	if envErr != nil || strings.Count(string(envAtFirstOutput), "export ") != len(vars) ||
		!strings.Contains(string(envAtFirstOutput), "export PATCTL_API_URL="+vars["PATCTL_API_URL"]+"\n") {
		t.Fatalf("env file when the exports were first printed: %q %v", envAtFirstOutput, envErr)
	}
	if caErr != nil || !strings.Contains(string(caAtFirstOutput), "-----END CERTIFICATE-----") {
		t.Fatalf("CA file when the exports were first printed: %d bytes, %v", len(caAtFirstOutput), caErr)
	}
}

func TestProgramRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--device-code", "maybe"}, {"--sign-in-answer", "500"}, {"--latency", "soon"}, {"extra"}, {"--no-such-flag"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: printed exports for bad flags", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "Usage: patctl-emulator") {
		t.Errorf("-h: exit %d %s", code, stderr.String())
	}
}

func TestBrowseCompletesASignIn(t *testing.T) {
	em, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, em.CAPEM(), 0o644)

	got := make(chan url.Values, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got <- r.PostForm
		io.WriteString(w, "signed in")
	}))
	defer receiver.Close()
	redirect := strings.Replace(receiver.URL, "127.0.0.1", "localhost", 1)
	q := url.Values{"client_id": {emulator.AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {emulator.AzureDevOpsResource + "/.default"}, "state": {"st"}, "response_mode": {"form_post"}}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"browse", "--ca-file", caFile, em.Authority("organizations") + "/oauth2/v2.0/authorize?" + q.Encode()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	form := <-got
	if form.Get("state") != "st" || form.Get("code") == "" || strings.TrimSpace(stdout.String()) != "signed in" {
		t.Fatalf("posted %v, printed %q", form, stdout.String())
	}
	if code := run(context.Background(), []string{"browse"}, &stdout, &stderr); code != 2 {
		t.Fatalf("browse without URL: %d", code)
	}
}

package sink

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
)

const loginDoc = `{"format":"patctl-login","version":1,"login":{},"msalCache":{"RefreshToken":{"k":{"secret":"refresh-secret-value"}}}}`

func TestKeyVaultKeepsALogin(t *testing.T) {
	var trace bytes.Buffer
	em, env := keyVaultEnv(t, &trace)
	ctx := context.Background()
	place, err := LoginPlace("keyvault://kv-main/patctl-login", env)
	if err != nil {
		t.Fatal(err)
	}
	if place.Exclusive() || place.String() != "keyvault://kv-main/patctl-login" {
		t.Fatalf("place %s, exclusive %v", place, place.Exclusive())
	}
	if _, _, err := place.Read(ctx); !errors.Is(err, credstore.ErrNotLoggedIn) {
		t.Fatalf("nothing there: %v", err)
	}
	version, err := place.Write(ctx, []byte(loginDoc))
	if err != nil {
		t.Fatal(err)
	}
	data, got, err := place.Read(ctx)
	if err != nil || string(data) != loginDoc || got != version || len(version) != 32 {
		t.Fatalf("read back %q at %q (wrote %q): %v", data, got, version, err)
	}
	s, _ := em.KeyVault().Latest("kv-main", "patctl-login")
	if s.ContentType != LoginContentType || len(s.Tags) != 0 || !s.Expires.IsZero() {
		t.Fatalf("stored %+v: a login is not a PAT", s)
	}
	unlock, err := place.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if strings.Contains(trace.String(), "refresh-secret-value") {
		t.Fatalf("the trace shows the login:\n%s", trace.String())
	}

	denied, _ := LoginPlace("keyvault://kv-denied/patctl-login", env)
	var coded interface{ ExitCode() int }
	if _, _, err := denied.Read(ctx); !errors.As(err, &coded) || coded.ExitCode() != cmdutil.ExitRefused {
		t.Fatalf("a vault that refuses: %v", err)
	}
}

func TestFileKeepsALogin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "login.json")
	place, err := LoginPlace("file:"+path, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if !place.Exclusive() {
		t.Fatal("a file place has a lock")
	}
	if _, _, err := place.Read(ctx); !errors.Is(err, credstore.ErrNotLoggedIn) {
		t.Fatalf("nothing there: %v", err)
	}
	version, err := place.Write(ctx, []byte(loginDoc))
	if err != nil {
		t.Fatal(err)
	}
	data, got, err := place.Read(ctx)
	if err != nil || strings.TrimSpace(string(data)) != loginDoc || got != version {
		t.Fatalf("read back %q at %q (wrote %q): %v", data, got, version, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
	// Another content, another version.
	os.WriteFile(path, []byte(loginDoc+" \n"), 0o600)
	if _, v, _ := place.Read(ctx); v == version {
		t.Fatal("a changed file kept its version")
	}

	// The lock is held across processes (another open of the lock file),
	// so a second holder waits until it is let go.
	unlock, err := place.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := LoginPlace("file:"+path, Env{})
	got2 := make(chan error, 1)
	go func() {
		unlock, err := other.Lock(ctx, nil)
		if err == nil {
			unlock()
		}
		got2 <- err
	}()
	select {
	case err := <-got2:
		t.Fatalf("a second holder got the lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	if err := <-got2; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatalf("no lock file beside the login: %v", err)
	}
}

func TestLoginPlaceURIs(t *testing.T) {
	for uri, want := range map[string]string{
		"exec:cat":                    "a login is loaded from keyvault://VAULT/NAME or file:PATH",
		"github://contoso/web/X":      "a login is loaded from",
		"-":                           "a login is loaded from",
		"keyvault://kv-main/bad_name": "not a secret name",
		"file:":                       "a path is required",
	} {
		_, err := LoginPlace(uri, Env{})
		var bad *config.BadValueError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), config.EnvLoginFrom+"="+uri+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a bad value of %s saying %q", uri, err, config.EnvLoginFrom, want)
		}
	}
}

func TestParseExport(t *testing.T) {
	for _, uri := range []string{"keyvault://kv-main/patctl-login", "file:/tmp/login.json", "exec:cat"} {
		if _, err := ParseExport(uri, Env{}); err != nil {
			t.Errorf("%s: %v", uri, err)
		}
	}
	for _, uri := range []string{"-", "github://contoso/web/X", "dotenv:.env#X", "ado-vargroup://p/g/v", "nothing"} {
		_, err := ParseExport(uri, Env{})
		var flagErr *cmdutil.FlagError
		if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--to "+uri+": a login can be exported to "+ExportSchemes) {
			t.Errorf("%s: %v", uri, err)
		}
	}
}

// TestExecGetsALoginOnStdinOnly: a program that receives a login gets it on
// stdin, without the variables that describe a PAT.
func TestExecGetsALoginOnStdinOnly(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := t.TempDir()
	s, err := Parse(`exec:sh -c 'env > "$1"; cat > "$2"' sh `+filepath.Join(dir, "env")+" "+filepath.Join(dir, "in"), Env{Stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), LoginSecret([]byte(loginDoc))); err != nil {
		t.Fatal(err)
	}
	in, _ := os.ReadFile(filepath.Join(dir, "in"))
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	if string(in) != loginDoc || strings.Contains(string(env), "PATCTL_PAT_") || strings.Contains(string(env), "refresh-secret-value") {
		t.Fatalf("stdin %q; environment:\n%s", in, env)
	}
}

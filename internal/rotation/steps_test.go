package rotation

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/patapi"
)

// TestStepsAsTheyHappen: with stderr on a terminal, a rotation says each
// step once done, in the transaction's order, and the closing lines that
// would say the same again are left out; elsewhere, nothing of it.
func TestStepsAsTheyHappen(t *testing.T) {
	env := cmdtest.New(t)
	old := oldToken(t, env)
	tx, out, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "file:a"}, &fakeSink{uri: "file:b"})
	tx.JSON = &cmdutil.JSONFlags{}
	tx.Delivery.stdout = true // and stdout
	tx.Verifier = &Verifier{HTTP: env.Emulator.HTTPClient(), DevOpsURL: env.Emulator.URL()}
	tx.Steps = true
	tx.IO.SetTTY(false, true, true)
	var stages []string
	tx.Stage = func(s string) { stages = append(stages, s) }
	if err := rotateOld(context.Background(), tx, old); err != nil {
		t.Fatal(err)
	}
	steps := regexp.MustCompile(`^✓ Created the new token "svc" \(id [0-9a-f-]{36}\), valid until [^\n]+\n` +
		`✓ Verified that the new token works\n` +
		`(✓ Wrote file:a\n✓ Wrote file:b\n|✓ Wrote file:b\n✓ Wrote file:a\n)` +
		`✓ Revoked the old token \(id ` + old.AuthorizationID + `\)\n$`)
	if !steps.MatchString(errOut.String()) {
		t.Fatalf("stderr:\n%s", errOut)
	}
	// The frame alone on stdout: the steps said which token it is.
	if strings.Contains(out.String(), "Created") || !strings.Contains(out.String(), "┌") {
		t.Fatalf("stdout:\n%s", out)
	}
	// The stage hook of the tests is still told every stage, in order.
	if strings.Join(stages, " ") != "claimed created verifying delivering retiring retired" {
		t.Fatalf("stages %v", stages)
	}

	// stderr not on a terminal: the closing lines as ever, no step.
	old = oldToken(t, env)
	tx, _, errOut = testTx(t, env, testSealer{})
	tx.JSON = &cmdutil.JSONFlags{}
	tx.Steps = true
	if err := rotateOld(context.Background(), tx, old); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "✓") || !strings.Contains(errOut.String(), "Revoked the old token (id "+old.AuthorizationID+").") ||
		!strings.Contains(errOut.String(), `Created the new token "svc"`) {
		t.Fatalf("in a pipe, stderr:\n%s", errOut)
	}
}

// TestStepsWithGrace: the old token kept alive is said so in its step.
func TestStepsWithGrace(t *testing.T) {
	env := cmdtest.New(t)
	old := oldToken(t, env)
	tx, _, errOut := testTx(t, env, testSealer{})
	tx.JSON = &cmdutil.JSONFlags{}
	tx.Steps = true
	tx.IO.SetTTY(false, true, true)
	end := time.Now().Add(24 * time.Hour)
	err := tx.Rotate(context.Background(), cmdutil.Selector{ID: old.AuthorizationID}, func(o patapi.PatToken) (patapi.CreateRequest, *time.Time) {
		return patapi.CreateRequest{DisplayName: o.DisplayName, Scope: o.Scope, ValidTo: time.Now().Add(time.Hour)}, &end
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`✓ Renamed the old token \(id `+old.AuthorizationID+`\) "svc \(rotated [0-9-]+\)"; it stays valid until .*\n$`).MatchString(errOut.String()) ||
		strings.Contains(errOut.String(), "is renamed") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

// fakeClipboard records what it was given.
type fakeClipboard struct{ got []string }

func (f *fakeClipboard) Copy(_ context.Context, s string) error { f.got = append(f.got, s); return nil }
func (f *fakeClipboard) String() string                         { return "fake-copy" }

// TestCopyInsteadOfStdout: --copy puts the secret on the clipboard, and
// nowhere else: stdout stays empty, stderr says where it went.
func TestCopyInsteadOfStdout(t *testing.T) {
	env := cmdtest.New(t)
	for _, tty := range []bool{false, true} {
		tx, out, errOut := testTx(t, env, testSealer{})
		tx.JSON = &cmdutil.JSONFlags{}
		tx.Steps = true
		tx.IO.SetTTY(false, tty, tty)
		clip := &fakeClipboard{}
		tx.Delivery.Copy, tx.Delivery.clip = true, clip
		if err := tx.Create(context.Background(), patapi.CreateRequest{DisplayName: "copied", Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		issued := env.Emulator.IssuedPATs()
		secret := issued[len(issued)-1]
		if len(clip.got) != 1 || clip.got[0] != secret || out.Len() != 0 || strings.Contains(errOut.String(), secret) ||
			!strings.Contains(errOut.String(), "fake-copy") || !strings.Contains(errOut.String(), "shown nowhere else") {
			t.Fatalf("terminal %v: clipboard %q, stdout %q, stderr:\n%s", tty, clip.got, out, errOut)
		}
	}
}

func TestCopyRefusesWhatSendsTheSecretElsewhere(t *testing.T) {
	for _, c := range []struct {
		d    Delivery
		j    *cmdutil.JSONFlags
		flag string
	}{
		{Delivery{Copy: true}, &cmdutil.JSONFlags{JSON: true}, "--json"},
		{Delivery{Copy: true}, &cmdutil.JSONFlags{JSON: true, JQ: ".token"}, "--jq"},
		{Delivery{Copy: true, To: []string{"file:x"}}, nil, "--to"},
		{Delivery{Copy: true, To: []string{"-"}}, nil, "--to"},
		{Delivery{Copy: true, OutputFile: "x"}, nil, "--output-file"},
		{Delivery{Copy: true, CIVariable: "X"}, nil, "--ci-variable"},
	} {
		var flagErr *cmdutil.FlagError
		err := c.d.Check(env(map[string]string{"TF_BUILD": "True"}), c.j)
		if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--copy cannot be used with "+c.flag+":") {
			t.Errorf("--copy with %s: %v", c.flag, err)
		}
	}
	d := Delivery{Copy: true}
	if err := d.Check(env(nil), &cmdutil.JSONFlags{}); err != nil {
		t.Fatal(err)
	}
}

package rotation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/sink"
)

// testSealer stands for the login's key: what it seals, it opens.
type testSealer struct{}

func (testSealer) Seal(p []byte) ([]byte, error) { return append([]byte("sealed:"), p...), nil }
func (testSealer) Unseal(s []byte) ([]byte, error) {
	p, ok := bytes.CutPrefix(s, []byte("sealed:"))
	if !ok {
		return nil, errors.New("not sealed here")
	}
	return p, nil
}

// fakeSink writes with its write function, and counts its writes.
type fakeSink struct {
	uri    string
	write  func(ctx context.Context) (string, error)
	writes atomic.Int32
}

func (f *fakeSink) String() string                  { return f.uri }
func (f *fakeSink) Preflight(context.Context) error { return nil }
func (f *fakeSink) Write(ctx context.Context, _ sink.Secret) (string, error) {
	f.writes.Add(1)
	if f.write == nil {
		return "v1", nil
	}
	return f.write(ctx)
}

// testTx is a transaction against the emulator, its sinks given, --json.
func testTx(t *testing.T, env *cmdtest.Env, sealer journal.Sealer, sinks ...sink.Sink) (*Tx, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	return &Tx{IO: ios, Client: env.Direct, Journal: env.Journal, Owner: journal.Owner{Account: emulator.DefaultUserUPN, Sealer: sealer},
		Pending: new(atomic.Int32), Now: time.Now, JSON: &cmdutil.JSONFlags{JSON: true}, Delivery: &Delivery{sinks: sinks}}, out, errOut
}

func oldToken(t *testing.T, env *cmdtest.Env) patapi.PatToken {
	t.Helper()
	old, err := env.Direct.Create(context.Background(), patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code", ValidTo: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return old
}

func rotateOld(ctx context.Context, tx *Tx, old patapi.PatToken) error {
	return tx.Rotate(ctx, cmdutil.Selector{ID: old.AuthorizationID}, func(o patapi.PatToken) (patapi.CreateRequest, *time.Time) {
		return patapi.CreateRequest{DisplayName: o.DisplayName, Scope: o.Scope, ValidTo: time.Now().Add(time.Hour)}, nil
	})
}

func activeNamed(t *testing.T, env *cmdtest.Env, name string) []string {
	t.Helper()
	tokens, err := env.Direct.List(context.Background(), patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tok := range tokens {
		if tok.DisplayName == name {
			ids = append(ids, tok.AuthorizationID)
		}
	}
	return ids
}

// sinksOf decodes the "sinks" of a JSON report.
func sinksOf(t *testing.T, data []byte) []SinkResult {
	t.Helper()
	var v struct {
		Sinks []SinkResult `json:"sinks"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("JSON %s: %v", data, err)
	}
	return v.Sinks
}

func statuses(results []SinkResult) string {
	var s []string
	for _, r := range results {
		s = append(s, r.To+"="+r.Status)
	}
	return strings.Join(s, " ")
}

func TestWriteSinksSaysWhatBecameOfEach(t *testing.T) {
	record := func(into *[]string) func(string) {
		var mu sync.Mutex
		return func(uri string) {
			mu.Lock()
			defer mu.Unlock()
			*into = append(*into, uri)
		}
	}
	done := &fakeSink{uri: "fake:done"}
	ok := &fakeSink{uri: "fake:ok", write: func(context.Context) (string, error) { return "v2", nil }}
	refused := &fakeSink{uri: "fake:refused", write: func(context.Context) (string, error) { return "", errors.New("fake:refused: HTTP 403") }}
	e := &journal.Entry{Plan: journal.Plan{To: []string{"fake:done", "fake:ok", "fake:refused"}}, Delivered: []string{"fake:done"}}
	var recorded []string
	results := writeSinks(context.Background(), []sink.Sink{done, ok, refused}, e, sink.Secret{Value: "s"}, record(&recorded))
	if got := statuses(results); got != "fake:done=written fake:ok=written fake:refused=failed" {
		t.Fatalf("statuses %s", got)
	}
	if done.writes.Load() != 0 || results[1].Version != "v2" || !slices.Equal(recorded, []string{"fake:ok"}) || results[2].Error != "fake:refused: HTTP 403" {
		t.Fatalf("written again %d, version %q, recorded %v, error %q", done.writes.Load(), results[1].Version, recorded, results[2].Error)
	}

	// Interrupted in the middle of a write, once the other one is done.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	written := make(chan struct{})
	first := &fakeSink{uri: "fake:first", write: func(context.Context) (string, error) { close(written); return "", nil }}
	results = writeSinks(ctx, []sink.Sink{first, blockUntilCancelled("fake:cut", written, cancel)}, &journal.Entry{}, sink.Secret{Value: "s"}, func(string) {})
	if got := statuses(results); got != "fake:first=written fake:cut=pending" || results[1].Error != "fake:cut: interrupted before its write completed (context canceled)" {
		t.Fatalf("statuses %s, error %q", got, results[1].Error)
	}

	// Interrupted before any write starts: none is tried, all are pending.
	results = writeSinks(ctx, []sink.Sink{ok, refused}, &journal.Entry{}, sink.Secret{Value: "s"}, func(string) { t.Error("recorded") })
	if got := statuses(results); got != "fake:ok=pending fake:refused=pending" || ok.writes.Load() != 1 || refused.writes.Load() != 1 {
		t.Fatalf("statuses %s, writes %d %d", got, ok.writes.Load(), refused.writes.Load())
	}
	if results[0].Error != "fake:ok: interrupted before its write started" {
		t.Fatalf("error %q", results[0].Error)
	}

	// Nothing will write them: they failed, saying why.
	unreachable(results, "rotate again")
	if got := statuses(results); got != "fake:ok=failed fake:refused=failed" || results[0].Error != "fake:ok: interrupted before its write started; rotate again" {
		t.Fatalf("statuses %s, %q", got, results[0].Error)
	}
	if lines := sinkLines(results); lines != "\n  failed   fake:ok: interrupted before its write started; rotate again\n  failed   fake:refused: interrupted before its write started; rotate again" {
		t.Fatalf("lines %q", lines)
	}
}

// blockUntilCancelled is a sink that, once first has been written, stops
// the transaction as Ctrl-C would while it is being written.
func blockUntilCancelled(uri string, first <-chan struct{}, cancel func()) *fakeSink {
	return &fakeSink{uri: uri, write: func(ctx context.Context) (string, error) {
		<-first
		cancel()
		<-ctx.Done()
		return "", fmt.Errorf("%s: %w", uri, ctx.Err())
	}}
}

// TestInterruptedDeliveryLeavesSinksPending: interrupted while a sink is
// being written, after another one took the secret, rotate exits 9 with
// the sink pending, in its JSON and its message; nothing is retired and the
// journal keeps the secret for resume.
func TestInterruptedDeliveryLeavesSinksPending(t *testing.T) {
	env := cmdtest.New(t)
	old := oldToken(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	written := make(chan struct{})
	first := &fakeSink{uri: "fake:first", write: func(context.Context) (string, error) { close(written); return "v1", nil }}
	tx, out, _ := testTx(t, env, testSealer{}, first, blockUntilCancelled("fake:second", written, cancel))

	err := rotateOld(ctx, tx, old)
	var coded *cmdutil.ExitCodeError
	if !errors.As(err, &coded) || coded.Code != cmdutil.ExitUnfinished {
		t.Fatalf("error %v, want exit 9", err)
	}
	for _, want := range []string{"interrupted: the new token", "reached fake:first but not fake:second", "\n  written  fake:first\n", "\n  pending  fake:second: interrupted before its write completed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	got := sinksOf(t, out.Bytes())
	if statuses(got) != "fake:first=written fake:second=pending" || got[0].Version != "v1" || got[1].Error == "" {
		t.Fatalf("sinks %+v", got)
	}
	if strings.Contains(out.String(), `"token"`) || !strings.Contains(out.String(), `"oldRevoked": false`) {
		t.Fatalf("JSON:\n%s", out)
	}
	entries, _ := env.Journal.List()
	if len(entries) != 1 || entries[0].Sealed == nil || !slices.Equal(entries[0].Delivered, []string{"fake:first"}) {
		t.Fatalf("journal %+v", entries)
	}
	if ids := activeNamed(t, env, "svc"); len(ids) != 2 || !slices.Contains(ids, old.AuthorizationID) {
		t.Fatalf("active %v, want the old and the new", ids)
	}
}

// TestInterruptedDeliveryWithoutSealedSecret: without a key the journal
// keeps no secret, so an interrupted sink is not pending — resume cannot
// write it — but failed, saying so.
func TestInterruptedDeliveryWithoutSealedSecret(t *testing.T) {
	env := cmdtest.New(t)
	old := oldToken(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	written := make(chan struct{})
	first := &fakeSink{uri: "fake:first", write: func(context.Context) (string, error) { close(written); return "", nil }}
	tx, out, _ := testTx(t, env, nil, first, blockUntilCancelled("fake:second", written, cancel))
	err := rotateOld(ctx, tx, old)
	if err == nil || !strings.Contains(err.Error(), "\n  failed   fake:second: interrupted before its write completed") || !strings.Contains(err.Error(), "need a new rotation") {
		t.Fatalf("error %v", err)
	}
	got := sinksOf(t, out.Bytes())
	if statuses(got) != "fake:first=written fake:second=failed" || !strings.Contains(got[1].Error, "the journal keeps no secret") {
		t.Fatalf("sinks %+v", got)
	}
}

// TestInterruptedCreateReportsItsSinks: create too prints its sinks on exit 9.
func TestInterruptedCreateReportsItsSinks(t *testing.T) {
	env := cmdtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	written := make(chan struct{})
	first := &fakeSink{uri: "fake:first", write: func(context.Context) (string, error) { close(written); return "", nil }}
	tx, out, _ := testTx(t, env, testSealer{}, first, blockUntilCancelled("fake:second", written, cancel))
	err := tx.Create(ctx, patapi.CreateRequest{DisplayName: "made", Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)})
	var coded *cmdutil.ExitCodeError
	if !errors.As(err, &coded) || coded.Code != cmdutil.ExitUnfinished {
		t.Fatalf("error %v, want exit 9", err)
	}
	if got := sinksOf(t, out.Bytes()); statuses(got) != "fake:first=written fake:second=pending" || strings.Contains(out.String(), `"token"`) {
		t.Fatalf("JSON:\n%s", out)
	}
}

// TestResumeReportsItsSinks: resume writes the sink an interrupted rotate
// left pending and says so, sink by sink; the one written before is
// written too.
func TestResumeReportsItsSinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the exec: sink runs sh")
	}
	env := cmdtest.New(t)
	old := oldToken(t, env)
	dir := t.TempDir()
	block := filepath.Join(dir, "block")
	os.WriteFile(block, nil, 0o600)
	sinkEnv := sink.Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}
	d := &Delivery{To: []string{"file:" + filepath.Join(dir, "a"), `exec:sh -c 'if [ -e "$0/block" ]; then : > "$0/started"; exec sleep 30; fi; cat > "$0/b"' ` + dir}}
	if err := d.Check(sinkEnv, nil); err != nil {
		t.Fatal(err)
	}
	tx, out, _ := testTx(t, env, testSealer{})
	tx.Delivery = d
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // Ctrl-C once the file is written and the program runs
		for {
			_, errA := os.Stat(filepath.Join(dir, "a"))
			_, errS := os.Stat(filepath.Join(dir, "started"))
			if errA == nil && errS == nil || ctx.Err() != nil {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if err := rotateOld(ctx, tx, old); err == nil {
		t.Fatal("an interrupted rotation succeeded")
	}
	if got := statuses(sinksOf(t, out.Bytes())); got != d.plan().To[0]+"=written "+d.plan().To[1]+"=pending" {
		t.Fatalf("rotate's sinks %s", got)
	}

	os.Remove(block)
	ios, _, rout, rerr := iostreams.Test()
	rs := &Resumer{IO: ios, Journal: env.Journal, Owner: journal.Owner{Account: emulator.DefaultUserUPN, Sealer: testSealer{}}, Client: env.PATClient,
		JSON: &cmdutil.JSONFlags{JSON: true}, Now: time.Now, SinkEnv: sinkEnv}
	if err := rs.Run(context.Background(), false); err != nil {
		t.Fatalf("resume: %v\n%s", err, rerr)
	}
	var report struct{ Operations []Outcome }
	if err := json.Unmarshal(rout.Bytes(), &report); err != nil || len(report.Operations) != 1 {
		t.Fatalf("resume JSON %s (%v)", rout, err)
	}
	o := report.Operations[0]
	if o.Outcome != Completed || statuses(o.Sinks) != d.plan().To[0]+"=written "+d.plan().To[1]+"=written" {
		t.Fatalf("resume outcome %+v", o)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a"))
	b, _ := os.ReadFile(filepath.Join(dir, "b"))
	if len(b) == 0 || strings.TrimSpace(string(a)) != string(b) {
		t.Fatalf("the sinks hold %q and %q", a, b)
	}
	if ids := activeNamed(t, env, "svc"); len(ids) != 1 || ids[0] != o.AuthorizationID {
		t.Fatalf("active %v, want only the new %s", ids, o.AuthorizationID)
	}
}

// recordedRotation is a journal entry of a rotation of old to fresh, into
// two file sinks of which the first holds the secret.
func recordedRotation(t *testing.T, env *cmdtest.Env, sealer journal.Sealer) (*journal.Entry, []string) {
	t.Helper()
	old, fresh := oldToken(t, env), oldToken(t, env)
	e, err := journal.NewEntry(journal.OpRotate, emulator.DefaultOrg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	to := []string{"file:" + filepath.Join(dir, "a"), "file:" + filepath.Join(dir, "b")}
	e.Account, e.Request, e.Old, e.New = emulator.DefaultUserUPN, journal.Token{Name: "svc"}, ref(old), ref(fresh)
	e.Plan, e.Delivered = journal.Plan{To: to}, to[:1]
	if sealer != nil {
		e.Sealed, _ = sealer.Seal([]byte(fresh.Token))
	}
	if err := env.Journal.Save(e); err != nil {
		t.Fatal(err)
	}
	return e, to
}

func resumeJSON(t *testing.T, env *cmdtest.Env, ctx context.Context, sealer journal.Sealer, abort bool) (Outcome, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	rs := &Resumer{IO: ios, Journal: env.Journal, Owner: journal.Owner{Account: emulator.DefaultUserUPN, Sealer: sealer}, Client: env.PATClient,
		JSON: &cmdutil.JSONFlags{JSON: true}, Now: time.Now, SinkEnv: sink.Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}}
	_ = rs.Run(ctx, abort)
	var report struct{ Operations []Outcome }
	if err := json.Unmarshal(out.Bytes(), &report); err != nil || len(report.Operations) != 1 {
		t.Fatalf("resume JSON %s (%v)\n%s", out, err, errOut)
	}
	return report.Operations[0], errOut.String()
}

// TestResumeSinkStatuses: what resume reports of each sink when it cannot
// write it — interrupted (pending: still recorded), without a secret or
// rolled back (failed: never written) — and not at all when no new token
// is left.
func TestResumeSinkStatuses(t *testing.T) {
	t.Run("interrupted", func(t *testing.T) {
		env := cmdtest.New(t)
		_, to := recordedRotation(t, env, testSealer{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		o, _ := resumeJSON(t, env, ctx, testSealer{}, false)
		if o.Outcome != Failed || statuses(o.Sinks) != to[0]+"=written "+to[1]+"=pending" {
			t.Fatalf("outcome %+v", o)
		}
		if entries, _ := env.Journal.List(); len(entries) != 1 {
			t.Fatalf("%d entries left, want the one to resume again", len(entries))
		}
		// For people, the same on stderr, under the operation's line.
		ios, _, _, errOut := iostreams.Test()
		rs := &Resumer{IO: ios, Journal: env.Journal, Owner: journal.Owner{Account: emulator.DefaultUserUPN, Sealer: testSealer{}}, Client: env.PATClient,
			JSON: &cmdutil.JSONFlags{}, Now: time.Now, SinkEnv: sink.Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}}
		if err := rs.Run(ctx, false); err == nil {
			t.Fatal("resume succeeded, interrupted")
		}
		if want := "\n  written  " + to[0] + "\n  pending  " + to[1] + ": interrupted before its write started\n"; !strings.Contains(errOut.String(), want) {
			t.Fatalf("stderr lacks %q:\n%s", want, errOut)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		env := cmdtest.New(t)
		_, to := recordedRotation(t, env, nil)
		o, _ := resumeJSON(t, env, context.Background(), nil, false)
		if o.Outcome != Partial || statuses(o.Sinks) != to[0]+"=written "+to[1]+"=failed" || !strings.Contains(o.Sinks[1].Error, "rotate again") {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("abort", func(t *testing.T) {
		env := cmdtest.New(t)
		_, to := recordedRotation(t, env, testSealer{})
		o, _ := resumeJSON(t, env, context.Background(), testSealer{}, true)
		if o.Outcome != Kept || statuses(o.Sinks) != to[0]+"=written "+to[1]+"=failed" || !strings.Contains(o.Sinks[1].Error, "--abort") {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("rolled back", func(t *testing.T) {
		env := cmdtest.New(t)
		e, _ := recordedRotation(t, env, testSealer{})
		e.Delivered = nil
		env.Journal.Save(e)
		o, _ := resumeJSON(t, env, context.Background(), testSealer{}, true)
		if o.Outcome != RolledBack || o.Sinks != nil {
			t.Fatalf("outcome %+v", o)
		}
	})
}

// listServed waits until the emulator has answered a list sent after the
// last create: the duplicate check has seen the tokens as they were.
func listServed(t *testing.T, env *cmdtest.Env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		listed := false
		for _, r := range env.Emulator.Requests() {
			switch r.Op {
			case emulator.OpCreate:
				listed = false
			case emulator.OpList:
				listed = true
			}
		}
		if listed {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Error("no list after the last create")
}

// TestDuplicateCheck: the name is listed beside the transaction once the
// POST is done; another active token of the name is warned of, the old one
// being retired is not counted, and a list that fails only warns.
func TestDuplicateCheck(t *testing.T) {
	t.Run("another rotation", func(t *testing.T) {
		env := cmdtest.New(t)
		old := oldToken(t, env)
		var elsewhere patapi.PatToken
		// The sink returns once the list has seen the old token still active.
		tx, _, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "fake:x", write: func(context.Context) (string, error) { listServed(t, env); return "", nil }})
		tx.Stage = func(s string) {
			if s == StageCreated { // another machine's POST, before our list
				elsewhere = oldToken(t, env)
			}
		}
		if err := rotateOld(context.Background(), tx, old); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), `Warning: 2 active tokens are now named "svc"`) || !strings.Contains(errOut.String(), elsewhere.AuthorizationID) ||
			strings.Contains(errOut.String(), old.AuthorizationID) {
			t.Fatalf("stderr:\n%s", errOut)
		}
	})
	t.Run("alone", func(t *testing.T) {
		env := cmdtest.New(t)
		old := oldToken(t, env)
		tx, _, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "fake:x", write: func(context.Context) (string, error) { listServed(t, env); return "", nil }})
		if err := rotateOld(context.Background(), tx, old); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(errOut.String(), "Warning") {
			t.Fatalf("the old token being retired was counted:\n%s", errOut)
		}
	})
	t.Run("list fails", func(t *testing.T) {
		env := cmdtest.New(t)
		old := oldToken(t, env)
		tx, out, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "fake:x"})
		tx.Stage = func(s string) {
			if s == StageCreated {
				env.Emulator.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultStatus, Status: 400, Times: 1})
			}
		}
		if err := rotateOld(context.Background(), tx, old); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), `Warning: could not check whether another rotation of "svc" ran`) || !strings.Contains(out.String(), `"oldRevoked": true`) {
			t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
		}
	})
	t.Run("the page where the name began is refused", func(t *testing.T) {
		// 150 tokens before "svc" put it on page 2: the second look starts
		// there, is refused, and looks from the first page instead.
		env := cmdtest.New(t)
		for i := range 150 {
			if _, err := env.Direct.Create(context.Background(), patapi.CreateRequest{DisplayName: fmt.Sprintf("a-%03d", i), Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		old := oldToken(t, env)
		var elsewhere patapi.PatToken
		tx, _, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "fake:x", write: func(context.Context) (string, error) { listServed(t, env); return "", nil }})
		tx.Stage = func(s string) {
			if s == StageCreated {
				elsewhere = oldToken(t, env)
				env.Emulator.ResetRequests()
				env.Emulator.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultStatus, Status: 400, Times: 1})
			}
		}
		if err := rotateOld(context.Background(), tx, old); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), `Warning: 2 active tokens are now named "svc"`) || !strings.Contains(errOut.String(), elsewhere.AuthorizationID) {
			t.Fatalf("stderr:\n%s", errOut)
		}
		lists := 0
		for _, r := range env.Emulator.Requests() {
			if r.Op == emulator.OpList {
				lists++
			}
		}
		if lists != 3 { // the refused page 2, then pages 1 and 2
			t.Fatalf("%d lists after the create, want 3", lists)
		}
	})
	t.Run("list hangs", func(t *testing.T) {
		// The transaction does not wait for it: the old token is retired,
		// the entry closed, and only then is the list waited for.
		env := cmdtest.New(t)
		old := oldToken(t, env)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		tx, out, errOut := testTx(t, env, testSealer{}, &fakeSink{uri: "fake:x"})
		tx.Stage = func(s string) {
			switch s {
			case StageCreated:
				env.Emulator.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultTimeout, Times: 1})
			case StageRetired:
				if !slices.ContainsFunc(env.Emulator.Requests(), func(r emulator.Request) bool { return r.Op == emulator.OpRevoke }) {
					t.Errorf("the old token is not revoked at %s", s)
				}
				go func() { // Ctrl-C while the list hangs
					time.Sleep(100 * time.Millisecond)
					cancel()
				}()
			}
		}
		if err := rotateOld(ctx, tx, old); err != nil {
			t.Fatal(err)
		}
		if entries, _ := env.Journal.List(); len(entries) != 0 || !strings.Contains(out.String(), `"oldRevoked": true`) ||
			!strings.Contains(errOut.String(), "Warning: could not check") {
			t.Fatalf("%d entries; stdout:\n%s\nstderr:\n%s", len(entries), out, errOut)
		}
	})
}

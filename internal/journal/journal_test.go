package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEntriesAreDurableAndPrivate(t *testing.T) {
	j := Open(t.TempDir())
	e, err := NewEntry(OpRotate, "fabrikam", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Request = Token{Name: "ci", Scope: "vso.code"}
	e.Old = &Token{ID: "old-id", Name: "ci"}
	e.Sealed = []byte("sealed")
	if err := j.Claim(context.Background(), e, func([]Entry) error { return nil }); err != nil {
		t.Fatal(err)
	}
	dir, _ := os.Stat(j.Dir())
	file, _ := os.Stat(filepath.Join(j.Dir(), e.ID+".json"))
	if dir.Mode().Perm() != 0o700 || file.Mode().Perm() != 0o600 {
		t.Fatalf("modes %v %v", dir.Mode(), file.Mode())
	}
	e.Delivered = append(e.Delivered, ToStdout)
	if err := j.Save(e); err != nil {
		t.Fatal(err)
	}
	got, err := j.List()
	if err != nil || len(got) != 1 || got[0].Old.ID != "old-id" || string(got[0].Sealed) != "sealed" || !got[0].DeliveredTo(ToStdout) {
		t.Fatalf("list %+v %v", got, err)
	}
	if err := j.Close(e); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.List(); len(got) != 0 {
		t.Fatalf("closed entry still listed: %+v", got)
	}
}

func TestClaimRefusesATokenAnotherEntryTouches(t *testing.T) {
	j := Open(t.TempDir())
	other := &Entry{ID: "a", Op: OpRotate, Org: "fabrikam", PID: deadPID(t), Request: Token{Name: "ci"}, Old: &Token{ID: "id-1", Name: "ci"}}
	if err := j.Save(other); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ org, id, name string }{{"fabrikam", "id-1", ""}, {"FABRIKAM", "", "ci"}} {
		e, _ := NewEntry(OpRotate, c.org, time.Now())
		err := j.Claim(context.Background(), e, func(entries []Entry) error { return Conflict(entries, c.org, c.id, c.name) })
		var conflict *ConflictError
		if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "run `patctl resume`") {
			t.Fatalf("%+v: %v", c, err)
		}
		if got, _ := j.List(); len(got) != 1 {
			t.Fatalf("a refused claim was written: %d entries", len(got))
		}
	}
	if err := j.Check("contoso", "id-1", "ci"); err != nil {
		t.Fatalf("another organization's token: %v", err)
	}
	// A live process's entry is reported as under way, not unfinished.
	other.PID = os.Getppid()
	j.Save(other)
	if err := j.Check("fabrikam", "id-1", ""); err == nil || !strings.Contains(err.Error(), "another patctl") {
		t.Fatalf("live entry: %v", err)
	}
	if un, _ := j.Unfinished(); len(un) != 0 {
		t.Fatalf("a live process's entry counted as unfinished: %+v", un)
	}
}

func TestAnUnreadableEntryIsAnError(t *testing.T) {
	j := Open(t.TempDir())
	os.MkdirAll(j.Dir(), 0o700)
	os.WriteFile(filepath.Join(j.Dir(), "x.json"), []byte("{"), 0o600)
	if _, err := j.List(); err == nil {
		t.Fatal("a corrupt entry was skipped: it may hold the only copy of a secret")
	}
}

func TestFingerprintsTellAttemptsApart(t *testing.T) {
	validTo := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		e, _ := NewEntry(OpCreate, "o", time.Now())
		marked := e.Mark(validTo)
		if d := validTo.Sub(marked); d < 0 || d >= time.Minute || d%(4*time.Millisecond) != 0 {
			t.Fatalf("mark moved validTo by %v", d)
		}
		seen[e.Fingerprint()] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct fingerprints in 200 attempts", len(seen))
	}
}

// deadPID is a process id that no longer runs.
func deadPID(t *testing.T) int {
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Skip("no /bin/true:", err)
	}
	p.Wait()
	return p.Pid
}

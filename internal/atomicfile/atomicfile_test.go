package atomicfile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/patctl/patctl/internal/proc"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	os.WriteFile(path, []byte("old"), 0o644)
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(data) != "new" || info.Mode().Perm() != 0o600 || len(entries) != 1 {
		t.Fatalf("%q %v %d entries", data, info.Mode(), len(entries))
	}
	if err := Write(filepath.Join(dir, "no", "such"), nil, 0o600); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// TestSyncDir: the directory sync after the rename succeeds on a real
// directory, and fails on one that is gone (so Write would report it).
func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := syncDir(dir); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && syncDir(filepath.Join(dir, "gone")) == nil {
		t.Fatal("synced a directory that does not exist")
	}
	// A second Write replaces the file (the rename over an existing name
	// and the sync of its directory both happen again).
	path := filepath.Join(dir, "f")
	for _, content := range []string{"one", "two"} {
		if err := Write(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Fatalf("read %q, want %q", data, content)
		}
	}
}

// deadPID is the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if proc.Running(pid) {
		t.Skipf("PID %d was reused at once", pid)
	}
	return pid
}

// TestWriteRemovesTempFilesOfKilledWriters: a writer killed between
// creating its temporary file and renaming it left the secret behind; the
// next Write removes it, but not running writers' files (this process's
// and its parent's) nor files that only look alike.
func TestWriteRemovesTempFilesOfKilledWriters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "login.json")
	pid := deadPID(t)
	dead := filepath.Join(dir, fmt.Sprintf(".login.json.tmp-%d-12345", pid))
	live := filepath.Join(dir, fmt.Sprintf(".login.json.tmp-%d-67890", os.Getpid()))
	kept := []string{
		live,
		filepath.Join(dir, fmt.Sprintf(".login.json.tmp-%d-13579", os.Getppid())), // another running writer's
		filepath.Join(dir, ".login.json.tmp-424242"),                              // no PID in it
		filepath.Join(dir, ".login.json.tmp-"+strconv.Itoa(pid)+"-backup"),        // not os.CreateTemp's
		filepath.Join(dir, fmt.Sprintf(".other.json.tmp-%d-12345", pid)),          // another file's
	}
	for _, p := range append([]string{dead}, kept...) {
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatalf("the killed writer's temporary file survived: %v", err)
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Fatalf("read %q", data)
	}
}

func TestTempPID(t *testing.T) {
	for name, want := range map[string]int{
		".f.tmp-42-123":   42,
		".f.tmp-42-":      0,
		".f.tmp--123":     0,
		".f.tmp-0-123":    0,
		".f.tmp-4x-123":   0,
		".f.tmp-42-12-3":  0,
		".g.tmp-42-123":   0,
		"f.tmp-42-123":    0,
		".f.tmp-42-123.x": 0,
	} {
		got, ok := tempPID(name, tempPrefix("/d/f"))
		if got != want || ok != (want != 0) {
			t.Errorf("%s: %d %v, want %d", name, got, ok, want)
		}
	}
}

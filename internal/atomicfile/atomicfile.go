// Package atomicfile writes files so that a reader sees the old content or
// the whole new content, never half of it, with the mode set from the start.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/patctl/patctl/internal/proc"
)

// Write replaces path with data: a temporary file in the same directory,
// synced, renamed over path, then the directory synced so that the rename
// survives a crash.
//
// The temporary file is named .NAME.tmp-PID-RANDOM. A writer killed before
// its rename leaves it behind, and it may hold a secret (patctl writes
// --output-file secrets and its login this way), so each Write first removes
// the temporary files of NAME left by processes that no longer run.
func Write(path string, data []byte, perm os.FileMode) error {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	removeStale(dir, prefix)
	tmp, err := os.CreateTemp(dir, prefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("sync directory of %s: %w", path, err)
	}
	return nil
}

// Remove deletes path, durably: the directory is synced after. A file that
// is not there is no error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStale removes dir's temporary files of prefix whose writer has
// exited. Best effort: what it cannot remove waits for the next Write. A
// reused PID only keeps a stale file a while longer; a live writer's file is
// never touched, as its PID is running (a PID from another host or PID
// namespace sharing dir could be taken for a dead one: that writer's rename
// then fails and the old content stays).
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, ok := tempPID(e.Name(), prefix)
		if ok && pid != self && !proc.Running(pid) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// tempPID reads the writer's PID out of a name prefix+PID-RANDOM, both
// decimal as Write and os.CreateTemp make them; other names are not ours.
func tempPID(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	pidText, random, ok := strings.Cut(rest, "-")
	if !ok || !isDigits(random) || !isDigits(pidText) {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

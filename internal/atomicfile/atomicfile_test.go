package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
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

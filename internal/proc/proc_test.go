package proc

import (
	"os"
	"os/exec"
	"testing"
)

func TestRunning(t *testing.T) {
	if !Running(os.Getpid()) {
		t.Fatal("this process does not count as running")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Running(cmd.Process.Pid) {
		t.Fatal("a process that exited counts as running")
	}
	if Running(0) || Running(-1) {
		t.Fatal("no pid counts as running")
	}
}

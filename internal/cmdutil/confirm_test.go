package cmdutil

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/iostreams"
)

func TestConfirmAnswers(t *testing.T) {
	for _, tc := range []struct {
		typed string
		yes   bool
		// newline: patctl ends the prompt's line itself, as nothing typed did
		newline bool
	}{
		{"y\n", true, false},
		{"Y\n", true, false},
		{" yes \n", true, false},
		{"YES\r\n", true, false},
		{"\n", false, false}, // Enter: the default, no
		{"n\n", false, false},
		{"no\n", false, false},
		{"yep\n", false, false},
		{"", false, true},  // Ctrl-D at once
		{"y", false, true}, // Ctrl-D after a "y" not confirmed with Enter
	} {
		ios, in, _, errOut := iostreams.Test()
		in.WriteString(tc.typed)
		yes, err := Confirm(context.Background(), ios, "Revoke?")
		if err != nil || yes != tc.yes {
			t.Errorf("%q: yes %v, err %v", tc.typed, yes, err)
		}
		want := "Revoke? [y/N] "
		if tc.newline {
			want += "\n"
		}
		if errOut.String() != want {
			t.Errorf("%q: stderr %q, want %q", tc.typed, errOut, want)
		}
	}
}

// TestConfirmReadsOnlyItsLine: what follows the answer stays unread.
func TestConfirmReadsOnlyItsLine(t *testing.T) {
	ios, in, _, _ := iostreams.Test()
	in.WriteString("y\nnext\n")
	if yes, err := Confirm(context.Background(), ios, "?"); !yes || err != nil {
		t.Fatal(yes, err)
	}
	if in.String() != "next\n" {
		t.Fatalf("left %q", in)
	}
}

// TestConfirmEndsWithTheContext: an interrupt (the context's end) ends the
// wait, however long nothing is typed, on a line of its own.
func TestConfirmEndsWithTheContext(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	r, w := io.Pipe()
	defer w.Close()
	ios.In = r
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan struct{})
	var yes bool
	var err error
	go func() { yes, err = Confirm(ctx, ios, "Revoke?"); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Confirm still waits after the context ended")
	}
	if yes || !errors.Is(err, context.Canceled) || errOut.String() != "Revoke? [y/N] \n" {
		t.Fatalf("yes %v, err %v, stderr %q", yes, err, errOut)
	}
}

// TestConfirmReadError: a failing stdin is an error, not a yes.
func TestConfirmReadError(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.In = failingReader{}
	if yes, err := Confirm(context.Background(), ios, "?"); yes || err == nil || !strings.Contains(err.Error(), "read the answer") {
		t.Fatal(yes, err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("input/output error") }

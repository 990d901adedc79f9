package apply

import (
	"context"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/fleet"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: time.Now}
	var got *Options
	cmd := NewCmdApply(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"-f", "fleet.yaml", "--dry-run", "--org", "contoso"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.File != "fleet.yaml" || !got.DryRun || got.Parallel != fleet.DefaultParallel || got.Org != "contoso" || got.JSON {
		t.Fatalf("options %+v", got)
	}
}

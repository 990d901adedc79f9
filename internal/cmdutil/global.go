package cmdutil

import (
	"fmt"
	"time"

	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

// GlobalCutoff is when Azure DevOps stops accepting PATs valid in all
// organizations.
var GlobalCutoff = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// WarnGlobal says on stderr that global tokens stop working.
func WarnGlobal(io *iostreams.IOStreams, now time.Time) {
	verb := "stop"
	if !now.Before(GlobalCutoff) {
		verb = "stopped"
	}
	fmt.Fprintf(io.ErrOut, "Warning: tokens valid in all organizations (--all-orgs) %s working on %s; prefer a token for this organization.\n", verb, GlobalCutoff.Format(time.DateOnly))
}

// EffectiveExpiry is when a token stops working: its validTo, or the cutoff
// for all-organizations tokens if that comes first ("global").
func EffectiveExpiry(t patapi.PatToken) (time.Time, string) {
	if t.AllOrgs() && GlobalCutoff.Before(t.ValidTo.Time) {
		return GlobalCutoff, "global"
	}
	return t.ValidTo.UTC(), "validTo"
}

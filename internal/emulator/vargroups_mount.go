package emulator

import (
	"net/http"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// newVarGroups makes the fake of variable groups, which takes the same
// tokens as the PAT API, and its control endpoints (/_emulator/vargroups/…).
func (e *Emulator) newVarGroups() *vargroups.Service {
	vg := vargroups.New(vargroups.Options{
		Authenticate: func(w http.ResponseWriter, r *http.Request, org string) (vargroups.Caller, bool) {
			c, ok := e.devops.Authenticate(w, r, org)
			return vargroups.Caller{ID: c.ObjectID, DisplayName: c.Name, UniqueName: c.UPN}, ok
		},
		DefaultOrg: DefaultOrg,
		Now:        e.srv.Now,
	})
	e.srv.HandleAdminTree("vargroups", vg.ServeAdmin)
	return vg
}

// varGroupRoutes puts variable groups on the core, beside the PAT API.
type varGroupRoutes struct{ vg *vargroups.Service }

func (v varGroupRoutes) Route(r *http.Request) (core.Route, bool) {
	op := vargroups.Op(r)
	return core.Route{Op: op, Handler: v.vg.ServeHTTP}, op != ""
}

// VariableGroups is the fake of variable groups, for setting up and reading
// back state in tests.
func (e *Emulator) VariableGroups() *vargroups.Service { return e.varGroups }

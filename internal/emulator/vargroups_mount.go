package emulator

import (
	"net/http"

	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// Variable groups are a service of their own (package vargroups); these are
// the lines that mount it here.

func newVarGroups(e *Emulator) *vargroups.Service {
	return vargroups.New(vargroups.Options{Authenticate: e.varGroupCaller, DefaultOrg: DefaultOrg, Now: e.Now})
}

// varGroupCaller admits a user's Entra token for the organization, as the PAT API does.
func (e *Emulator) varGroupCaller(w http.ResponseWriter, r *http.Request, orgName string) (vargroups.Caller, bool) {
	cfg, org, ok := e.resolveOrg(w, orgName)
	if !ok {
		return vargroups.Caller{}, false
	}
	c, ok := e.authenticate(w, r, &cfg, org)
	return vargroups.Caller{ID: c.user.ObjectID, DisplayName: c.user.Name, UniqueName: c.user.UPN}, ok
}

// VariableGroups is the fake of variable groups, for setting up and reading
// back state in tests.
func (e *Emulator) VariableGroups() *vargroups.Service { return e.varGroups }

// Package vargroups fakes Azure DevOps variable groups
// (distributedtask/variablegroups, api-version 7.1): groups per organization
// shared with projects, found by name or id, replaced whole by a PUT at the
// organization level, secret values never answered.
//
// It is an http.Handler with its own state; the host emulator routes the
// variable-group paths to it (Op) and tells it who calls (Authenticate).
package vargroups

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Operation names, for the host's request log and faults.
const (
	OpList        = "vargroup-list" // GET {org}/{project}/_apis/distributedtask/variablegroups
	OpGet         = "vargroup-get"  // GET {org}/{project}/_apis/distributedtask/variablegroups/{id}
	OpPut         = "vargroup-put"  // PUT {org}/_apis/distributedtask/variablegroups/{id}
	OpUnsupported = "vargroup-unsupported"
)

// Roles on variable groups: a Reader reads, a User also uses them in
// pipelines, an Administrator also changes them. None gets 403 everywhere.
const (
	RoleAdministrator = "Administrator"
	RoleUser          = "User"
	RoleReader        = "Reader"
	RoleNone          = "None"
)

// Type of a group whose variables are secrets of an Azure Key Vault.
const (
	TypeVsts          = "Vsts"
	TypeAzureKeyVault = "AzureKeyVault"
)

// Caller is who a request comes from.
type Caller struct {
	ID, DisplayName, UniqueName string
}

// Authenticate finds the caller of a request to an organization, or writes
// the service's answer (unknown organization, sign-in needed) and returns false.
type Authenticate func(w http.ResponseWriter, r *http.Request, org string) (Caller, bool)

// Options configure a Service.
type Options struct {
	Authenticate Authenticate
	// DefaultOrg gets DefaultGroup in project DefaultProject; "" for none.
	DefaultOrg string
	Now        func() time.Time
}

// The default group.
const (
	DefaultProject = "web"
	DefaultGroup   = "pipelines"
)

// Group is a variable group as tests and the admin endpoint add it.
type Group struct {
	Name         string              `json:"name"`
	Description  string              `json:"description,omitempty"`
	Type         string              `json:"type,omitempty"` // Vsts (default) or AzureKeyVault
	Variables    map[string]Variable `json:"variables"`
	ProviderData json.RawMessage     `json:"providerData,omitempty"`
}

// Variable is one variable, its value in clear (a fake keeps secrets in memory).
type Variable struct {
	Value    *string `json:"value"`
	IsSecret bool    `json:"isSecret,omitempty"`
}

// Service holds the groups of every organization, in memory only.
type Service struct {
	auth Authenticate
	now  func() time.Time

	mu     sync.Mutex
	orgs   map[string]*orgGroups // by lower-case organization name
	roles  map[string]string     // by lower-case unique name; absent: Administrator
	nextID int
}

type orgGroups struct {
	groups map[int]*group
}

// group is a stored variable group.
type group struct {
	id                     int
	name, description, typ string
	variables              map[string]Variable
	providerData           json.RawMessage
	projects               []wireProjectRef
	createdBy, modifiedBy  wireIdentity
	createdOn, modifiedOn  time.Time
}

// New makes a Service, with the default group when Options.DefaultOrg is set.
func New(opts Options) *Service {
	s := &Service{auth: opts.Authenticate, now: opts.Now, orgs: map[string]*orgGroups{}, roles: map[string]string{}}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.DefaultOrg != "" {
		plain, secret := "production", "correct-horse-battery"
		s.Add(opts.DefaultOrg, DefaultProject, Group{Name: DefaultGroup, Description: "Settings of the web pipelines",
			Variables: map[string]Variable{
				"ENVIRONMENT": {Value: &plain},
				"DB_PASSWORD": {Value: &secret, IsSecret: true},
			}})
	}
	return s
}

// ProjectID is the id the fake gives a project: any name is a project.
func ProjectID(org, project string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://dev.azure.com/"+strings.ToLower(org)+"/"+strings.ToLower(project))).String()
}

// Add stores a new group shared with project and returns its id.
func (s *Service) Add(org, project string, g Group) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	typ := g.Type
	if typ == "" {
		typ = TypeVsts
	}
	vars := map[string]Variable{}
	for k, v := range g.Variables {
		vars[k] = v
	}
	system := wireIdentity{ID: "00000000-0000-0000-0000-000000000000", DisplayName: "Emulator", UniqueName: "emulator"}
	s.org(org).groups[s.nextID] = &group{id: s.nextID, name: g.Name, description: g.Description, typ: typ,
		variables: vars, providerData: g.ProviderData,
		projects:  []wireProjectRef{{Name: g.Name, Description: g.Description, ProjectReference: &wireProject{ID: ProjectID(org, project), Name: project}}},
		createdBy: system, modifiedBy: system, createdOn: s.now(), modifiedOn: s.now()}
	return s.nextID
}

// Value reads back a variable of a group shared with project, secret or not.
func (s *Service) Value(org, project, groupName, name string) (Variable, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.org(org).groups {
		if strings.EqualFold(g.name, groupName) && g.sharedWith(org, project) {
			v, ok := g.variables[name]
			return v, ok
		}
	}
	return Variable{}, false
}

// SetRole gives a user (by unique name) a role on every group.
func (s *Service) SetRole(user, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[strings.ToLower(user)] = role
}

func (s *Service) role(user string) string {
	if r, ok := s.roles[strings.ToLower(user)]; ok {
		return r
	}
	return RoleAdministrator
}

// org is an organization's groups; the caller holds s.mu.
func (s *Service) org(name string) *orgGroups {
	o := s.orgs[strings.ToLower(name)]
	if o == nil {
		o = &orgGroups{groups: map[int]*group{}}
		s.orgs[strings.ToLower(name)] = o
	}
	return o
}

func (g *group) sharedWith(org, project string) bool {
	id := ProjectID(org, project)
	for _, p := range g.projects {
		if p.ProjectReference != nil && (strings.EqualFold(p.ProjectReference.Name, project) || strings.EqualFold(p.ProjectReference.ID, project) || p.ProjectReference.ID == id) {
			return true
		}
	}
	return false
}

// wire is the group as the service answers it: secret values are null.
func (g *group) wire() wireGroup {
	vars := map[string]wireVariable{}
	for k, v := range g.variables {
		w := wireVariable{Value: v.Value, IsSecret: v.IsSecret}
		if v.IsSecret {
			w.Value = nil
		}
		vars[k] = w
	}
	return wireGroup{Variables: vars, ID: g.id, Type: g.typ, Name: g.name, Description: g.description,
		ProviderData: g.providerData, CreatedBy: g.createdBy, CreatedOn: svcTime(g.createdOn),
		ModifiedBy: g.modifiedBy, ModifiedOn: svcTime(g.modifiedOn), IsShared: len(g.projects) > 1,
		VariableGroupProjectReferences: append([]wireProjectRef(nil), g.projects...)}
}

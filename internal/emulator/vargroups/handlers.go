package vargroups

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// route is a request to the variable-group API, taken apart.
type route struct {
	op, org, project string
	id               int
}

// parse recognizes the variable-group paths (any letter case, as the
// service routes them); op is "" for any other path.
func parse(r *http.Request) route {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	lower := strings.Split(strings.ToLower(strings.Trim(r.URL.Path, "/")), "/")
	api := func(at int) bool {
		return len(lower) > at+2 && lower[at] == "_apis" && lower[at+1] == "distributedtask" && lower[at+2] == "variablegroups"
	}
	id := func(at int) (int, bool) {
		n, err := strconv.Atoi(parts[at])
		return n, err == nil && n > 0
	}
	switch {
	case len(parts) == 5 && api(2): // {org}/{project}/_apis/distributedtask/variablegroups
		if r.Method == http.MethodGet {
			return route{op: OpList, org: parts[0], project: parts[1]}
		}
	case len(parts) == 6 && api(2): // …/variablegroups/{id}
		if n, ok := id(5); ok && r.Method == http.MethodGet {
			return route{op: OpGet, org: parts[0], project: parts[1], id: n}
		}
	case len(parts) == 4 && api(1): // Create, not served
	case len(parts) == 5 && api(1): // {org}/_apis/distributedtask/variablegroups/{id}
		if n, ok := id(4); ok && r.Method == http.MethodPut {
			return route{op: OpPut, org: parts[0], id: n}
		}
	default:
		return route{}
	}
	return route{op: OpUnsupported}
}

// Op names the operation of a request, "" when it is not one of this API.
func Op(r *http.Request) string { return parse(r).op }

// ServeHTTP answers a request that Op recognized.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := parse(r)
	if rt.op == "" || rt.op == OpUnsupported {
		writeError(w, http.StatusMethodNotAllowed, "NotSupportedException", "The emulator serves only Find, Get and Update of variable groups.")
		return
	}
	if msg := checkAPIVersion(queryValue(r, "api-version")); msg != "" {
		writeError(w, http.StatusBadRequest, "VssVersionException", msg)
		return
	}
	caller, ok := s.auth(w, r, rt.org)
	if !ok {
		return
	}
	s.mu.Lock()
	role := s.role(caller.UniqueName)
	s.mu.Unlock()
	if role == RoleNone {
		writeError(w, http.StatusForbidden, "AccessDeniedException", fmt.Sprintf("%s does not have permissions to view variable groups in this project.", caller.UniqueName))
		return
	}
	switch rt.op {
	case OpList:
		s.list(w, r, rt, role)
	case OpGet:
		s.get(w, rt)
	case OpPut:
		s.put(w, r, rt, caller, role)
	}
}

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(-preview(\.\d+)?)?$`)

// checkAPIVersion: a version is required; 7.1 is the latest released one,
// 7.2 is a preview.
func checkAPIVersion(v string) string {
	m := versionRE.FindStringSubmatch(v)
	switch {
	case v == "":
		return "No api-version was supplied for the request. An api-version of the form 'major.minor[-preview[.resourceVersion]]' is required."
	case m == nil:
		return fmt.Sprintf("The version '%s' cannot be parsed.", v)
	case m[1]+"."+m[2] == "7.2" && m[3] == "":
		return `The requested version "7.2" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests.`
	}
	return ""
}

// list finds groups shared with the project: by groupName (* is a
// wildcard), by groupIds, and by what the caller may do (actionFilter).
func (s *Service) list(w http.ResponseWriter, r *http.Request, rt route, role string) {
	name, ids := queryValue(r, "groupName"), queryValue(r, "groupIds")
	var want []int
	for f := range strings.SplitSeq(ids, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			want = append(want, n)
		}
	}
	switch strings.ToLower(queryValue(r, "actionFilter")) {
	case "manage":
		if role != RoleAdministrator {
			writeJSON(w, http.StatusOK, wireList{Value: []wireGroup{}})
			return
		}
	case "use":
		if role != RoleAdministrator && role != RoleUser {
			writeJSON(w, http.StatusOK, wireList{Value: []wireGroup{}})
			return
		}
	}
	s.mu.Lock()
	found := []wireGroup{}
	for _, g := range s.org(rt.org).groups {
		if !g.sharedWith(rt.org, rt.project) || ids != "" && !slices.Contains(want, g.id) {
			continue
		}
		if ok, _ := path.Match(strings.ToLower(name), strings.ToLower(g.name)); name != "" && !ok {
			continue
		}
		found = append(found, g.wire())
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b wireGroup) int { return b.ID - a.ID }) // IdDescending
	if strings.EqualFold(queryValue(r, "queryOrder"), "IdAscending") {
		slices.Reverse(found)
	}
	writeJSON(w, http.StatusOK, wireList{Count: len(found), Value: found})
}

func (s *Service) get(w http.ResponseWriter, rt route) {
	s.mu.Lock()
	g := s.org(rt.org).groups[rt.id]
	var body wireGroup
	if g != nil && g.sharedWith(rt.org, rt.project) {
		body = g.wire()
	}
	s.mu.Unlock()
	if body.ID == 0 {
		writeNotFound(w, rt.id)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func writeNotFound(w http.ResponseWriter, id int) {
	writeError(w, http.StatusNotFound, "VariableGroupNotFoundException", fmt.Sprintf("Variable group with id %d does not exist.", id))
}

// put replaces a group with the body: a variable left out is deleted, a
// secret sent as null keeps its stored value. The project references are
// required (the fake's choice: a clear 400).
func (s *Service) put(w http.ResponseWriter, r *http.Request, rt route, caller Caller, role string) {
	var p wireParams
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, "ArgumentException", "The request body is not a VariableGroupParameters: "+err.Error())
		return
	}
	if strings.TrimSpace(p.Name) == "" {
		writeError(w, http.StatusBadRequest, "ArgumentNullException", "Value cannot be null.\r\nParameter name: variableGroupParameters.Name")
		return
	}
	if len(p.VariableGroupProjectReferences) == 0 {
		writeError(w, http.StatusBadRequest, "ArgumentNullException", "Value cannot be null.\r\nParameter name: variableGroupParameters.VariableGroupProjectReferences")
		return
	}
	for _, ref := range p.VariableGroupProjectReferences {
		if ref.ProjectReference == nil || ref.ProjectReference.ID == "" && ref.ProjectReference.Name == "" {
			writeError(w, http.StatusBadRequest, "ArgumentException", "Each variableGroupProjectReference needs a projectReference with the project's id.")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.org(rt.org).groups[rt.id]
	if g == nil {
		writeNotFound(w, rt.id)
		return
	}
	if role != RoleAdministrator {
		writeError(w, http.StatusForbidden, "AccessDeniedException", fmt.Sprintf("%s needs the Administrator role on variable group %s to update it.", caller.UniqueName, g.name))
		return
	}
	vars := map[string]Variable{}
	for k, v := range p.Variables {
		if old, ok := g.variables[k]; ok && v.IsSecret && v.Value == nil && old.IsSecret {
			v.Value = old.Value
		}
		vars[k] = Variable{Value: v.Value, IsSecret: v.IsSecret}
	}
	if string(p.ProviderData) == "null" {
		p.ProviderData = nil
	}
	g.name, g.description, g.variables, g.providerData = p.Name, p.Description, vars, p.ProviderData
	if g.typ = p.Type; g.typ == "" {
		g.typ = TypeVsts
	}
	g.projects = p.VariableGroupProjectReferences
	g.modifiedBy = wireIdentity{ID: caller.ID, DisplayName: caller.DisplayName, UniqueName: caller.UniqueName}
	g.modifiedOn = s.now()
	writeJSON(w, http.StatusOK, g.wire())
}

// queryValue reads a query parameter with a case-insensitive name.
func queryValue(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

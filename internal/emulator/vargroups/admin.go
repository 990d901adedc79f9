package vargroups

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ServeAdmin is the fake's part of the emulator's control endpoints, for
// scripts that run the emulator as a program; path is what follows the
// host's prefix for it:
//
//	GET  {org}/{project}/{group}/{variable}   the variable, secret value included
//	POST {org}/{project}                      add a Group (JSON); answers its id
func (s *Service) ServeAdmin(w http.ResponseWriter, r *http.Request, path string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 4 && r.Method == http.MethodGet:
		v, ok := s.Value(parts[0], parts[1], parts[2], parts[3])
		if !ok {
			http.Error(w, "no such variable", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, v)
	case len(parts) == 2 && r.Method == http.MethodPost:
		var g Group
		if err := json.NewDecoder(r.Body).Decode(&g); err != nil || g.Name == "" {
			http.Error(w, "a group as JSON with a name is required", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"id": s.Add(parts[0], parts[1], g)})
	default:
		http.NotFound(w, r)
	}
}

package core

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Request is one entry of the request log. It never holds a secret: bodies are
// not recorded, and queries are left out where secrets could travel.
type Request struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Query     string    `json:"query,omitempty"`
	Op        string    `json:"op"`
	GrantType string    `json:"grantType,omitempty"`
	Status    int       `json:"status"`
	Fault     string    `json:"fault,omitempty"`
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests empties the request log and sets the connection count to 0.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.conns.Store(0)
}

// AdminPrefix is where the emulator's own control endpoints live, for scripts
// and harnesses that run the emulator as a separate program. The core serves
//
//	GET    /_emulator/requests   the request log        DELETE: empty it
//	POST   /_emulator/faults     arm a Fault (JSON)     DELETE: disarm all
//	POST   /_emulator/clock?advance=DUR       move the emulator's clock forward
//
// and services add their own with HandleAdmin. Control requests are neither
// logged nor delayed, and faults never touch them.
const AdminPrefix = "/_emulator/"

// HandleAdmin serves method on /_emulator/name. Call it before Serve.
func (s *Server) HandleAdmin(method, name string, h http.HandlerFunc) {
	s.admin[name+" "+method] = h
}

// HandleAdminTree serves every method on /_emulator/name/…, handing h the
// rest of the path: for a service whose control endpoints name its objects.
func (s *Server) HandleAdminTree(name string, h func(w http.ResponseWriter, r *http.Request, rest string)) {
	s.adminTrees[name+"/"] = h
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	if h, ok := s.admin[path+" "+r.Method]; ok {
		h(w, r)
		return
	}
	for prefix, h := range s.adminTrees {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			h(w, r, rest)
			return
		}
	}
	http.NotFound(w, r)
}

func (s *Server) handleBuiltinAdmin() {
	s.HandleAdmin(http.MethodGet, "requests", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, s.Requests())
	})
	s.HandleAdmin(http.MethodDelete, "requests", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	s.HandleAdmin(http.MethodPost, "faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.AddFault(f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.HandleAdmin(http.MethodDelete, "faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	s.HandleAdmin(http.MethodPost, "clock", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("advance"))
		if err != nil {
			http.Error(w, "clock: advance=DURATION is required", http.StatusBadRequest)
			return
		}
		s.Advance(d)
		w.WriteHeader(http.StatusNoContent)
	})
}

package github

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxValue is the largest secret GitHub stores: 48 KB.
const MaxValue = 48 * 1024

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// base64RE is the encrypted_value pattern of the description: standard
// alphabet, padded.
var base64RE = regexp.MustCompile(`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$`)

func (s *Service) handlePublicKey(w http.ResponseWriter, key string) {
	s.mu.Lock()
	sc := s.scopeOf(key)
	pk := publicKey{KeyID: sc.CurrentKey, Key: base64.StdEncoding.EncodeToString(sc.Keys[sc.CurrentKey].Public)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, pk)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request, key string, rt route) {
	s.mu.Lock()
	sec := s.scopeOf(key).Secrets[upper(rt.name)]
	var out secretJSON
	if sec != nil {
		out = s.secretJSON(r, rt, sec)
	}
	s.mu.Unlock()
	if sec == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// secretJSON never holds the value. The caller holds s.mu.
func (s *Service) secretJSON(r *http.Request, rt route, sec *secret) secretJSON {
	out := secretJSON{Name: sec.Name, CreatedAt: timestamp(sec.Created), UpdatedAt: timestamp(sec.Updated)}
	if rt.kind == "org" {
		out.Visibility = sec.Visibility
		if sec.Visibility == "selected" {
			out.SelectedRepositoriesURL = s.absURL(r, "/orgs/"+url.PathEscape(rt.owner)+"/actions/secrets/"+sec.Name+"/repositories")
		}
	}
	return out
}

func (s *Service) absURL(r *http.Request, path string) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host + s.prefix + path
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request, key string, rt route) {
	perPage, page, ok := paging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	sc := s.scopeOf(key)
	names := sc.sortedNames()
	out := secretList{TotalCount: len(names), Secrets: []secretJSON{}}
	for _, n := range pageOf(names, perPage, page) {
		out.Secrets = append(out.Secrets, s.secretJSON(r, rt, sc.Secrets[n]))
	}
	s.mu.Unlock()
	setLink(w, r, len(names), perPage, page)
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handlePut(w http.ResponseWriter, r *http.Request, cfg Config, key string, rt route) {
	var body putBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, basicError{Message: "Problems parsing JSON", DocumentationURL: docsURL, Status: "400"})
		return
	}
	name := upper(rt.name)
	switch {
	case !nameRE.MatchString(rt.name):
		writeValidation(w, "Invalid request.", "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), and must not start with a number.")
		return
	case strings.HasPrefix(name, "GITHUB_"):
		writeValidation(w, "Invalid request.", "Secret names must not start with GITHUB_.")
		return
	case body.EncryptedValue == nil || body.KeyID == nil:
		writeValidation(w, "Invalid request.", "encrypted_value and key_id are required.")
		return
	case !base64RE.MatchString(*body.EncryptedValue):
		writeValidation(w, "Invalid request.", "encrypted_value is not Base64 (standard alphabet, padded).")
		return
	}
	visibility, repoIDs, msg := orgAccess(cfg, rt, body)
	if msg != "" {
		writeValidation(w, "Invalid request.", msg)
		return
	}
	sealed, _ := base64.StdEncoding.DecodeString(*body.EncryptedValue)

	s.mu.Lock()
	sc := s.scopeOf(key)
	if *body.KeyID != sc.CurrentKey {
		s.mu.Unlock()
		writeValidation(w, "Bad request: key_id is not the current public key's.", "Get the public key again and encrypt with it.")
		return
	}
	value, ok := sc.open(*body.KeyID, sealed)
	if !ok || len(value) > MaxValue {
		s.mu.Unlock()
		writeValidation(w, "Bad request: encrypted_value is not a sealed box for this public key, or its value is over 48 KB.")
		return
	}
	now := s.now().UTC().Truncate(time.Second)
	old := sc.Secrets[name]
	sec := &secret{Name: name, Created: now, Updated: now, KeyID: *body.KeyID, Sealed: sealed, Visibility: visibility, RepoIDs: repoIDs}
	if old != nil {
		sec.Created = old.Created
	}
	sc.Secrets[name] = sec
	s.mu.Unlock()
	s.changed()
	if old != nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusCreated, struct{}{})
}

// orgAccess checks an organization secret's visibility and repositories;
// msg is a validation failure.
func orgAccess(cfg Config, rt route, body putBody) (visibility string, ids []int64, msg string) {
	if rt.kind != "org" {
		if body.Visibility != nil || body.SelectedRepositoryIDs != nil {
			return "", nil, "visibility and selected_repository_ids are for organization secrets only."
		}
		return "", nil, ""
	}
	if body.Visibility == nil {
		return "", nil, "visibility is required."
	}
	switch v := *body.Visibility; v {
	case "all", "private":
		if body.SelectedRepositoryIDs != nil && len(*body.SelectedRepositoryIDs) > 0 {
			return "", nil, "selected_repository_ids can only be given with visibility selected."
		}
		return v, nil, ""
	case "selected":
		if body.SelectedRepositoryIDs != nil {
			ids = slices.Clone(*body.SelectedRepositoryIDs)
		}
		for _, id := range ids {
			if _, ok := cfg.orgRepo(rt.owner, id); !ok {
				return "", nil, fmt.Sprintf("selected_repository_ids: %d is not a repository of %s.", id, rt.owner)
			}
		}
		return v, ids, ""
	}
	return "", nil, "visibility must be one of all, private, selected."
}

func (s *Service) handleDelete(w http.ResponseWriter, key string, rt route) {
	s.mu.Lock()
	sc := s.scopeOf(key)
	_, ok := sc.Secrets[upper(rt.name)]
	delete(sc.Secrets, upper(rt.name))
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.changed()
	w.WriteHeader(http.StatusNoContent)
}

// handleRepositories lists (GET) or replaces (PUT) the repositories of an
// organization secret whose visibility is selected.
func (s *Service) handleRepositories(w http.ResponseWriter, r *http.Request, cfg Config, key string, rt route) {
	var body selectedRepositoriesBody
	if r.Method == http.MethodPut {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.SelectedRepositoryIDs == nil {
			writeValidation(w, "Invalid request.", "selected_repository_ids is required.")
			return
		}
		for _, id := range *body.SelectedRepositoryIDs {
			if _, ok := cfg.orgRepo(rt.owner, id); !ok {
				writeValidation(w, "Invalid request.", fmt.Sprintf("selected_repository_ids: %d is not a repository of %s.", id, rt.owner))
				return
			}
		}
	}
	perPage, page, ok := paging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	sec := s.scopeOf(key).Secrets[upper(rt.name)]
	var ids []int64
	status := 0
	switch {
	case sec == nil:
		status = http.StatusNotFound
	case sec.Visibility != "selected" && r.Method == http.MethodPut:
		status = http.StatusConflict
	case r.Method == http.MethodPut:
		sec.RepoIDs = slices.Clone(*body.SelectedRepositoryIDs)
	default:
		ids = slices.Clone(sec.RepoIDs)
	}
	s.mu.Unlock()
	switch {
	case status == http.StatusNotFound:
		writeError(w, status, "Not Found")
	case status == http.StatusConflict:
		writeError(w, status, "Conflict when visibility type is not set to selected")
	case r.Method == http.MethodPut:
		s.changed()
		w.WriteHeader(http.StatusNoContent)
	default:
		out := repositoryList{TotalCount: len(ids), Repositories: []minimalRepository{}}
		for _, id := range pageOf(ids, perPage, page) {
			repo, _ := cfg.orgRepo(rt.owner, id)
			m := minimalRepository{ID: repo.ID, Name: repo.Name, FullName: repo.Owner + "/" + repo.Name, Private: true,
				HTMLURL: "https://github.com/" + repo.Owner + "/" + repo.Name}
			m.Owner.Login = repo.Owner
			out.Repositories = append(out.Repositories, m)
		}
		setLink(w, r, len(ids), perPage, page)
		writeJSON(w, http.StatusOK, out)
	}
}

// paging reads per_page (default 30, at most 100) and page (from 1).
func paging(w http.ResponseWriter, r *http.Request) (perPage, page int, ok bool) {
	perPage, page = 30, 1
	q := r.URL.Query()
	for name, dst := range map[string]*int{"per_page": &perPage, "page": &page} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				writeValidation(w, "Invalid request.", name+" must be a positive whole number.")
				return 0, 0, false
			}
			*dst = n
		}
	}
	return min(perPage, 100), page, true
}

func pageOf[T any](all []T, perPage, page int) []T {
	start := (page - 1) * perPage
	if start >= len(all) {
		return nil
	}
	return all[start:min(start+perPage, len(all))]
}

// setLink writes the Link header of a page that is not the only one.
func setLink(w http.ResponseWriter, r *http.Request, total, perPage, page int) {
	last := max(1, (total+perPage-1)/perPage)
	if last == 1 {
		return
	}
	link := func(p int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("per_page", strconv.Itoa(perPage))
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		scheme := "https"
		if r.TLS == nil {
			scheme = "http"
		}
		return fmt.Sprintf(`<%s://%s%s>; rel="%s"`, scheme, r.Host, u.RequestURI(), rel)
	}
	var parts []string
	if page > 1 {
		parts = append(parts, link(1, "first"), link(page-1, "prev"))
	}
	if page < last {
		parts = append(parts, link(page+1, "next"), link(last, "last"))
	}
	w.Header().Set("Link", strings.Join(parts, ", "))
}

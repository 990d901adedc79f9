package keyvault

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	maxValueBytes   = 25 * 1024
	maxContentType  = 255
	recoverableDays = 90
	recoveryLevel   = "Recoverable+Purgeable"
)

// set makes a new version: every Set does, even of the same value.
func (s *Server) set(w http.ResponseWriter, r *http.Request, base string, q request) {
	var p setParameters
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil || p.Value == nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request body must be a JSON object with a value.", "")
		return
	}
	if len(*p.Value) > maxValueBytes || len(p.ContentType) > maxContentType {
		writeError(w, http.StatusBadRequest, "BadParameter", "The secret value or content type is too long.", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(q.vault, q.name)
	if _, gone := s.deleted[k]; gone {
		writeError(w, http.StatusConflict, "Conflict", "Secret "+q.name+" is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", "ObjectIsDeletedButRecoverable")
		return
	}
	now := s.opts.Now().Unix()
	v := &version{id: newVersionID(), value: *p.Value, contentType: p.ContentType, tags: maps.Clone(p.Tags)}
	if p.Attributes != nil {
		v.attrs.Enabled, v.attrs.NotBefore, v.attrs.Expires = p.Attributes.Enabled, p.Attributes.NotBefore, p.Attributes.Expires
	}
	if v.attrs.Enabled == nil {
		enabled := true
		v.attrs.Enabled = &enabled
	}
	v.attrs.Created, v.attrs.Updated = now, now
	v.attrs.RecoverableDays, v.attrs.RecoveryLevel = recoverableDays, recoveryLevel
	sec := s.secrets[k]
	if sec == nil {
		sec = &secret{name: q.name}
		s.secrets[k] = sec
	}
	sec.versions = append(sec.versions, v)
	writeJSON(w, http.StatusOK, bundle(base, sec, v, true))
}

func bundle(base string, sec *secret, v *version, withValue bool) secretBundle {
	b := secretBundle{ID: base + "/secrets/" + sec.name + "/" + v.id, ContentType: v.contentType, Tags: v.tags, Attributes: v.attrs}
	if withValue {
		value := v.value
		b.Value = &value
	}
	return b
}

func notFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "SecretNotFound", "A secret with (name/id) "+name+" was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.", "")
}

// get answers the latest version, or the one named.
func (s *Server) get(w http.ResponseWriter, base string, q request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(q.vault, q.name)
	sec := s.secrets[k]
	if _, gone := s.deleted[k]; sec == nil || gone {
		notFound(w, q.name)
		return
	}
	v := sec.versions[len(sec.versions)-1]
	if q.version != "" {
		v = nil
		for _, c := range sec.versions {
			if c.id == q.version {
				v = c
			}
		}
		if v == nil {
			notFound(w, q.name+"/"+q.version)
			return
		}
	}
	if v.attrs.Enabled != nil && !*v.attrs.Enabled {
		// The exact body live is UNVERIFIED (docs: a disabled version cannot be read).
		writeError(w, http.StatusForbidden, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
		return
	}
	writeJSON(w, http.StatusOK, bundle(base, sec, v, true))
}

// versions lists versions without values, maxresults (1-25, default 25) at
// a time; nextLink carries $skiptoken, the index to go on from.
func (s *Server) versions(w http.ResponseWriter, r *http.Request, base string, q request) {
	max := 25
	if m := r.URL.Query().Get("maxresults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 25 {
			writeError(w, http.StatusBadRequest, "BadParameter", "maxresults must be between 1 and 25.", "")
			return
		}
		max = n
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[key(q.vault, q.name)]
	if sec == nil {
		notFound(w, q.name)
		return
	}
	list := secretList{Value: []secretItem{}}
	for i := skip; i < len(sec.versions) && len(list.Value) < max; i++ {
		b := bundle(base, sec, sec.versions[i], false)
		list.Value = append(list.Value, secretItem{ID: b.ID, ContentType: b.ContentType, Tags: b.Tags, Attributes: b.Attributes})
	}
	if next := skip + len(list.Value); next < len(sec.versions) {
		v := url.Values{"api-version": {r.URL.Query().Get("api-version")}, "$skiptoken": {strconv.Itoa(next)}, "maxresults": {strconv.Itoa(max)}}
		link := base + "/secrets/" + sec.name + "/versions?" + v.Encode()
		list.NextLink = &link
	}
	writeJSON(w, http.StatusOK, list)
}

// getDeleted answers a soft-deleted secret, without its value.
func (s *Server) getDeleted(w http.ResponseWriter, base string, q request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(q.vault, q.name)
	when, gone := s.deleted[k]
	sec := s.secrets[k]
	if !gone || sec == nil {
		writeError(w, http.StatusNotFound, "SecretNotFound", "Deleted Secret not found: "+q.name, "")
		return
	}
	d := deletedSecretBundle{
		secretBundle:       bundle(base, sec, sec.versions[len(sec.versions)-1], false),
		RecoveryID:         base + "/deletedsecrets/" + sec.name,
		DeletedDate:        when,
		ScheduledPurgeDate: when + int64(recoverableDays*24*time.Hour/time.Second),
	}
	writeJSON(w, http.StatusOK, d)
}

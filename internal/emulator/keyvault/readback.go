package keyvault

import (
	"maps"
	"time"
)

// Secret is what tests read back of a secret's latest version.
type Secret struct {
	Name        string
	Version     string
	Value       string
	ContentType string
	Tags        map[string]string
	Expires     time.Time // zero when not set
	Versions    int       // how many versions there are
}

// Latest reads back the latest version of a secret.
func (s *Server) Latest(vault, name string) (Secret, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[key(vault, name)]
	if sec == nil {
		return Secret{}, false
	}
	v := sec.versions[len(sec.versions)-1]
	out := Secret{Name: sec.name, Version: v.id, Value: v.value, ContentType: v.contentType, Tags: maps.Clone(v.tags), Versions: len(sec.versions)}
	if v.attrs.Expires != nil {
		out.Expires = time.Unix(*v.attrs.Expires, 0).UTC()
	}
	return out, true
}

// MarkDeleted soft-deletes a secret, as DELETE does with soft delete on: the
// name cannot be set again until it is recovered or purged. A name never
// set gets one version first, so that there is something deleted.
func (s *Server) MarkDeleted(vault, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(vault, name)
	if s.secrets[k] == nil {
		enabled := true
		now := s.opts.Now().Unix()
		s.secrets[k] = &secret{name: name, versions: []*version{{id: newVersionID(), value: "deleted",
			attrs: attributes{Enabled: &enabled, Created: now, Updated: now, RecoverableDays: recoverableDays, RecoveryLevel: recoveryLevel}}}}
	}
	s.deleted[k] = s.opts.Now().Unix()
}

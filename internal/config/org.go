package config

import (
	"net/url"
	"strings"
)

// OrgName is the organization an --org, PATCTL_ORG, profile or fleet file
// names: a bare name as it is, or the name in an organization's URL, as the
// browser shows it — https://dev.azure.com/fabrikam (with or without a
// trailing slash or a path after it: a project, a repository) or the older
// https://fabrikam.visualstudio.com. The scheme and a user name
// (https://fabrikam@dev.azure.com/fabrikam/…, as git remotes have) may be
// left out or given. Anything else comes back trimmed and unchanged, for the
// caller to refuse by name.
func OrgName(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "/.:") {
		return s // the common case: a name
	}
	raw := s
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Port() != "" {
		return s
	}
	host := strings.ToLower(u.Hostname())
	segments := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	switch {
	case host == "dev.azure.com" || host == "vssps.dev.azure.com":
		if len(segments) > 0 {
			if name, err := url.PathUnescape(segments[0]); err == nil {
				return name
			}
		}
	case strings.HasSuffix(host, ".visualstudio.com"):
		name := strings.TrimSuffix(host, ".visualstudio.com")
		name = strings.TrimSuffix(name, ".vssps") // fabrikam.vssps.visualstudio.com
		if name != "" && !strings.Contains(name, ".") && name != "app" {
			return name
		}
	}
	return s
}

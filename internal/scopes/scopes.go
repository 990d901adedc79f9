// Package scopes lists the scopes a personal access token can carry, as
// Azure DevOps documents them, for completion and checks.
package scopes

import "strings"

// Scope is one scope and what it allows.
type Scope struct {
	Name, Description string
}

// All is the documented list; app_token is full access.
var All = []Scope{
	{"app_token", "full access"},
	{"vso.advsec", "Advanced Security (read)"},
	{"vso.advsec_write", "Advanced Security (read and write)"},
	{"vso.advsec_manage", "Advanced Security (manage)"},
	{"vso.agentpools", "agent pools (read)"},
	{"vso.agentpools_manage", "agent pools (manage)"},
	{"vso.analytics", "Analytics (read)"},
	{"vso.auditlog", "audit log (read)"},
	{"vso.auditstreams_manage", "audit streams (manage)"},
	{"vso.build", "builds (read)"},
	{"vso.build_execute", "builds (read and execute)"},
	{"vso.code", "code (read)"},
	{"vso.code_write", "code (read and write)"},
	{"vso.code_manage", "code (read, write and manage)"},
	{"vso.code_full", "code (full)"},
	{"vso.code_status", "code (status)"},
	{"vso.connected_server", "connected server"},
	{"vso.dashboards", "team dashboards (read)"},
	{"vso.dashboards_manage", "team dashboards (manage)"},
	{"vso.entitlements", "entitlements (read)"},
	{"vso.environment_manage", "environments (manage)"},
	{"vso.extension", "extensions (read)"},
	{"vso.extension_manage", "extensions (manage)"},
	{"vso.extension.data", "extension data (read)"},
	{"vso.extension.data_write", "extension data (read and write)"},
	{"vso.gallery", "Marketplace (read)"},
	{"vso.gallery_acquire", "Marketplace (acquire)"},
	{"vso.gallery_publish", "Marketplace (publish)"},
	{"vso.gallery_manage", "Marketplace (manage)"},
	{"vso.graph", "graph (read)"},
	{"vso.graph_manage", "graph (manage)"},
	{"vso.hooks", "service hooks (read)"},
	{"vso.hooks_write", "service hooks (read and write)"},
	{"vso.hooks_interact", "service hooks (interact)"},
	{"vso.identity", "identity (read)"},
	{"vso.identity_manage", "identity (manage)"},
	{"vso.loadtest", "load test (read)"},
	{"vso.loadtest_write", "load test (read and write)"},
	{"vso.machinegroup_manage", "deployment groups (manage)"},
	{"vso.memberentitlementmanagement", "member entitlements (read)"},
	{"vso.memberentitlementmanagement_write", "member entitlements (write)"},
	{"vso.notification", "notifications (read)"},
	{"vso.notification_write", "notifications (write)"},
	{"vso.notification_manage", "notifications (manage)"},
	{"vso.notification_diagnostics", "notifications (diagnostics)"},
	{"vso.packaging", "packaging (read)"},
	{"vso.packaging_write", "packaging (read and write)"},
	{"vso.packaging_manage", "packaging (manage)"},
	{"vso.pipelineresources_use", "pipeline resources (use)"},
	{"vso.pipelineresources_manage", "pipeline resources (manage)"},
	{"vso.profile", "user profile (read)"},
	{"vso.profile_write", "user profile (write)"},
	{"vso.project", "project and team (read)"},
	{"vso.project_write", "project and team (read and write)"},
	{"vso.project_manage", "project and team (manage)"},
	{"vso.release", "release (read)"},
	{"vso.release_execute", "release (read, write and execute)"},
	{"vso.release_manage", "release (manage)"},
	{"vso.securefiles_read", "secure files (read)"},
	{"vso.securefiles_write", "secure files (read and create)"},
	{"vso.securefiles_manage", "secure files (manage)"},
	{"vso.security_manage", "security (manage)"},
	{"vso.serviceendpoint", "service connections (read)"},
	{"vso.serviceendpoint_query", "service connections (read and query)"},
	{"vso.serviceendpoint_manage", "service connections (manage)"},
	{"vso.settings", "settings (read)"},
	{"vso.settings_write", "settings (read and write)"},
	{"vso.symbols", "symbols (read)"},
	{"vso.symbols_write", "symbols (read and write)"},
	{"vso.symbols_manage", "symbols (manage)"},
	{"vso.taskgroups_read", "task groups (read)"},
	{"vso.taskgroups_write", "task groups (read and create)"},
	{"vso.taskgroups_manage", "task groups (manage)"},
	{"vso.test", "test management (read)"},
	{"vso.test_write", "test management (read and write)"},
	{"vso.threads_full", "pull request threads"},
	{"vso.tokens", "delegated authorization tokens"},
	{"vso.tokenadministration", "token administration"},
	{"vso.variablegroups_read", "variable groups (read)"},
	{"vso.variablegroups_write", "variable groups (read and create)"},
	{"vso.variablegroups_manage", "variable groups (manage)"},
	{"vso.wiki", "wiki (read)"},
	{"vso.wiki_write", "wiki (read and write)"},
	{"vso.work", "work items (read)"},
	{"vso.work_write", "work items (read and write)"},
	{"vso.work_full", "work items (full)"},
}

// Known reports whether name is a documented scope (in any letter case).
func Known(name string) bool {
	for _, s := range All {
		if strings.EqualFold(s.Name, name) {
			return true
		}
	}
	return false
}

// Completions are the scopes as shell completion offers them: "name\tdescription".
func Completions(prefix string) []string {
	var out []string
	for _, s := range All {
		if strings.HasPrefix(s.Name, prefix) {
			out = append(out, s.Name+"\t"+s.Description)
		}
	}
	return out
}

// Nearest is the known scope closest to name, by edit distance, for a
// "did you mean" hint.
func Nearest(name string) string {
	best, bestDist := "", -1
	for _, s := range All {
		if d := distance(strings.ToLower(name), s.Name); bestDist < 0 || d < bestDist {
			best, bestDist = s.Name, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

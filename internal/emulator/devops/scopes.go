package devops

import "strings"

// patScopes are the scopes a PAT may carry: Azure DevOps' documented OAuth
// scopes, and app_token for full access.
var patScopes = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`app_token
		vso.advsec vso.advsec_write vso.advsec_manage
		vso.agentpools vso.agentpools_manage vso.environment_manage vso.machinegroup_manage
		vso.analytics vso.auditlog vso.auditstreams_manage
		vso.build vso.build_execute
		vso.code vso.code_write vso.code_manage vso.code_full vso.code_status
		vso.connected_server
		vso.dashboards vso.dashboards_manage
		vso.entitlements vso.memberentitlementmanagement vso.memberentitlementmanagement_write
		vso.extension vso.extension_manage vso.extension.data vso.extension.data_write
		vso.gallery vso.gallery_acquire vso.gallery_publish vso.gallery_manage
		vso.graph vso.graph_manage vso.identity vso.identity_manage
		vso.hooks vso.hooks_write vso.hooks_interact
		vso.loadtest vso.loadtest_write
		vso.notification vso.notification_write vso.notification_manage vso.notification_diagnostics
		vso.packaging vso.packaging_write vso.packaging_manage
		vso.pipelineresources_use vso.pipelineresources_manage
		vso.profile vso.profile_write
		vso.project vso.project_write vso.project_manage
		vso.release vso.release_execute vso.release_manage
		vso.securefiles_read vso.securefiles_write vso.securefiles_manage
		vso.security_manage
		vso.serviceendpoint vso.serviceendpoint_query vso.serviceendpoint_manage
		vso.settings vso.settings_write
		vso.symbols vso.symbols_write vso.symbols_manage
		vso.taskgroups_read vso.taskgroups_write vso.taskgroups_manage
		vso.test vso.test_write
		vso.threads_full
		vso.tokens vso.tokenadministration
		vso.variablegroups_read vso.variablegroups_write vso.variablegroups_manage
		vso.wiki vso.wiki_write
		vso.work vso.work_write vso.work_full`) {
		m[s] = true
	}
	return m
}()

// validScope reports whether a space-separated scope string names only known
// scopes, and at least one.
func validScope(scope string) bool {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return false
	}
	for _, s := range fields {
		if !patScopes[strings.ToLower(s)] {
			return false
		}
	}
	return true
}

func normalizeScope(scope string) string { return strings.Join(strings.Fields(scope), " ") }

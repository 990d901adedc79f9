package devops

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator/core"
)

// Token states, in the order List sorts them by status: the order of the
// spec's DisplayFilterOptions enum (active, revoked, expired), the only order
// of statuses the spec gives.
const (
	statusActive = iota
	statusRevoked
	statusExpired
)

// patStatus is computed from the clock; the caller holds d.mu.
func (d *Service) patStatus(p *pat) int {
	switch {
	case p.Revoked:
		return statusRevoked
	case !d.host.Now().Before(p.ValidTo):
		return statusExpired
	}
	return statusActive
}

const maxPageSize = 100

func (d *Service) handlePATs(w http.ResponseWriter, r *http.Request, orgName, op string) {
	cfg, org, ok := d.resolveOrg(w, orgName)
	if !ok {
		return
	}
	c, ok := d.authenticate(w, r, &cfg, org)
	if !ok {
		return
	}
	reply := func(status int, v any) { core.WriteJSONBOM(w, status, v, cfg.ResponseBOM) }
	badRequest := func(msg, typeName, typeKey string) {
		reply(http.StatusBadRequest, core.NewDevOpsError(msg, typeName, typeKey))
	}

	if verr := checkAPIVersion(queryValue(r, "api-version")); verr != nil {
		reply(http.StatusBadRequest, verr.Body())
		return
	}
	w.Header().Set("ActivityId", core.RandomUUID())

	switch op {
	case OpList:
		page, err := d.listPATs(&cfg, c, r)
		if err != nil {
			badRequest(err.Error(), typeArgument, "ArgumentException")
			return
		}
		reply(http.StatusOK, page)
	case OpGet:
		id, err := parseAuthorizationID(queryValue(r, "authorizationId"))
		if err != nil {
			badRequest(err.Error(), typeArgument, "ArgumentException")
			return
		}
		reply(http.StatusOK, d.getPAT(c, id))
	case OpCreate:
		var req wireCreateRequest
		if err := decodeBody(r, &req); err != nil {
			badRequest("Value cannot be null.\r\nParameter name: patTokenCreateRequest", typeArgumentNull, "ArgumentNullException")
			return
		}
		reply(http.StatusOK, d.createPAT(&cfg, c, req))
	case OpUpdate:
		var req wireUpdateRequest
		if err := decodeBody(r, &req); err != nil {
			badRequest("Value cannot be null.\r\nParameter name: patTokenUpdateRequest", typeArgumentNull, "ArgumentNullException")
			return
		}
		reply(http.StatusOK, d.updatePAT(&cfg, c, req))
	case OpRevoke:
		id, err := parseAuthorizationID(queryValue(r, "authorizationId"))
		if err != nil {
			badRequest(err.Error(), typeArgument, "ArgumentException")
			return
		}
		if !d.revokePAT(c, id) {
			reply(http.StatusNotFound, core.NewDevOpsError("The personal access token with authorizationId "+id+" was not found.", typeNotFound, "SessionTokenNotFoundException"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, PUT, DELETE")
		reply(http.StatusMethodNotAllowed, core.NewDevOpsError("The requested resource does not support http method '"+r.Method+"'.", "System.Web.Http.HttpResponseException, System.Web.Http", "HttpResponseException"))
	}
}

func parseAuthorizationID(s string) (string, error) {
	if s == "" {
		return "", errors.New("Value cannot be null.\r\nParameter name: authorizationId")
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", errors.New("The value '" + s + "' is not valid for authorizationId: it must be a GUID.")
	}
	return id.String(), nil
}

// decodeBody reads a JSON body (at most 1 MiB); property names match in any
// case, as in ASP.NET.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	body = []byte(strings.TrimPrefix(string(body), "\xef\xbb\xbf"))
	if len(strings.TrimSpace(string(body))) == 0 {
		return errors.New("empty body")
	}
	return json.Unmarshal(body, v)
}

// visible reports whether the caller sees p from this organization. The
// caller holds d.mu.
func (c caller) visible(p *pat) bool {
	return strings.EqualFold(p.UserOID, c.user.ObjectID) && (p.TargetAccounts == nil || containsFold(p.TargetAccounts, c.org.ID))
}

func (p *pat) wire(secret *string) *wirePatToken {
	return &wirePatToken{
		DisplayName:     p.DisplayName,
		ValidTo:         svcTime{p.ValidTo},
		Scope:           p.Scope,
		TargetAccounts:  slices.Clone(p.TargetAccounts),
		ValidFrom:       svcTime{p.ValidFrom},
		AuthorizationID: p.ID,
		Token:           secret,
	}
}

func patError(code string) wirePatTokenResult { return wirePatTokenResult{PatTokenError: code} }

func (d *Service) findPAT(c caller, id string) *pat {
	for _, p := range d.st.PATs {
		if strings.EqualFold(p.ID, id) && c.visible(p) {
			return p
		}
	}
	return nil
}

func (d *Service) getPAT(c caller, id string) wirePatTokenResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.findPAT(c, id)
	if p == nil {
		return patError("authorizationNotFound")
	}
	return wirePatTokenResult{PatToken: p.wire(nil), PatTokenError: "none"}
}

// checkPolicies applies the tenant's Azure DevOps policies to a token's
// scope, reach and lifetime; it may clamp validTo.
func (d *Service) checkPolicies(cfg *Config, c caller, scope string, allOrgs bool, validTo *time.Time) string {
	t, _ := cfg.Tenant(c.org.TenantID)
	if allOrgs && t.RestrictGlobalPATs {
		return "globalPatPolicyViolation"
	}
	if t.RestrictFullScopePATs && containsFold(strings.Fields(scope), "app_token") {
		return "fullScopePatPolicyViolation"
	}
	if limit := time.Duration(t.MaxPATLifespan); limit > 0 {
		// Since 2024 an over-long lifetime is clamped, not refused.
		if max := d.host.Now().Add(limit); validTo.After(max) {
			*validTo = max
		}
	}
	return ""
}

func (d *Service) createPAT(cfg *Config, c caller, req wireCreateRequest) wirePatTokenResult {
	if req.DisplayName == nil || strings.TrimSpace(*req.DisplayName) == "" {
		return patError("displayNameRequired")
	}
	if req.Scope == nil || !validScope(*req.Scope) {
		return patError("invalidScope")
	}
	now := d.host.Now()
	if req.ValidTo == nil || !req.ValidTo.After(now) {
		return patError("invalidValidTo")
	}
	allOrgs := req.AllOrgs != nil && *req.AllOrgs
	validTo := req.ValidTo.Time
	if code := d.checkPolicies(cfg, c, *req.Scope, allOrgs, &validTo); code != "" {
		return patError(code)
	}
	p := &pat{
		ID:          d.newID(),
		UserOID:     c.user.ObjectID,
		DisplayName: *req.DisplayName,
		Scope:       normalizeScope(*req.Scope),
		ValidFrom:   serviceRound(now),
		ValidTo:     serviceRound(validTo),
	}
	if !allOrgs {
		p.TargetAccounts = []string{c.org.ID}
	}
	secret := d.newSecret()
	p.SecretHash = core.HashSecret(secret)
	answer := wirePatTokenResult{PatToken: p.wire(&secret), PatTokenError: "none"}
	d.mu.Lock()
	d.issuedPATs = append(d.issuedPATs, secret)
	d.st.PATs = append(d.st.PATs, p)
	d.save()
	d.mu.Unlock()
	return answer
}

func (d *Service) updatePAT(cfg *Config, c caller, req wireUpdateRequest) wirePatTokenResult {
	if req.AuthorizationID == nil {
		return patError("invalidAuthorizationId")
	}
	id, err := parseAuthorizationID(*req.AuthorizationID)
	if err != nil || id == uuid.Nil.String() {
		return patError("invalidAuthorizationId")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.findPAT(c, id)
	if p == nil || p.Revoked {
		// Only a token that has not been revoked can be updated.
		return patError("authorizationNotFound")
	}
	name, scope, validTo := p.DisplayName, p.Scope, p.ValidTo
	allOrgs := p.TargetAccounts == nil
	if req.DisplayName != nil && *req.DisplayName != "" {
		if strings.TrimSpace(*req.DisplayName) == "" {
			return patError("invalidDisplayName")
		}
		name = *req.DisplayName
	}
	if req.Scope != nil && *req.Scope != "" {
		if !validScope(*req.Scope) {
			return patError("invalidScope")
		}
		scope = normalizeScope(*req.Scope)
	}
	if req.ValidTo != nil {
		if !req.ValidTo.After(d.host.Now()) {
			return patError("invalidValidTo")
		}
		validTo = req.ValidTo.Time
	}
	if req.AllOrgs != nil {
		allOrgs = *req.AllOrgs
	}
	if code := d.checkPolicies(cfg, c, scope, allOrgs, &validTo); code != "" {
		return patError(code)
	}
	p.DisplayName, p.Scope, p.ValidTo = name, scope, serviceRound(validTo)
	switch {
	case allOrgs:
		p.TargetAccounts = nil
	case p.TargetAccounts == nil:
		p.TargetAccounts = []string{c.org.ID}
	}
	d.save()
	return wirePatTokenResult{PatToken: p.wire(nil), PatTokenError: "none"}
}

func (d *Service) revokePAT(c caller, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.findPAT(c, id)
	if p == nil {
		return false
	}
	p.Revoked = true
	d.save()
	return true
}

// listQuery is List's filter and sort, and where the page starts; the
// continuation token carries it, so that a page asked for with other options
// is refused.
type listQuery struct {
	Filter    string   `json:"f"`
	Sort      string   `json:"s"`
	Ascending bool     `json:"a"`
	After     *listKey `json:"k,omitempty"`
}

// listKey is a token's place in List's order. Pages continue after the last
// key rather than at an offset, so tokens revoked while paging skip nothing.
type listKey struct {
	Name   string    `json:"n,omitempty"`
	Date   time.Time `json:"d,omitzero"`
	Status int       `json:"s,omitempty"`
	ID     string    `json:"i"`
}

func (q listQuery) key(p *pat, status int) listKey {
	k := listKey{ID: p.ID}
	switch q.Sort {
	case "displayDate":
		k.Date = p.ValidFrom
	case "status":
		k.Status = status
	default:
		k.Name = strings.ToLower(p.DisplayName)
	}
	return k
}

// compare orders two keys as the query sorts; ties go by id, for a stable order.
func (q listQuery) compare(a, b listKey) int {
	c := strings.Compare(a.Name, b.Name)
	switch q.Sort {
	case "displayDate":
		c = a.Date.Compare(b.Date)
	case "status":
		c = cmp.Compare(a.Status, b.Status)
	}
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if !q.Ascending {
		c = -c
	}
	return c
}

var (
	filterOptions = []string{"active", "revoked", "expired", "all"}
	sortOptions   = []string{"displayName", "displayDate", "status"}
)

// enumValue matches an enum the way ASP.NET binds it: any letter case.
func enumValue(name, raw, def string, allowed []string) (string, error) {
	if raw == "" {
		return def, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, raw) {
			return a, nil
		}
	}
	return "", errors.New("The value '" + raw + "' is not valid for " + name + ". Valid values: " + strings.Join(allowed, ", ") + ".")
}

func parseListQuery(r *http.Request, defaultTop int) (listQuery, int, error) {
	var q listQuery
	var err error
	if q.Filter, err = enumValue("displayFilterOption", queryValue(r, "displayFilterOption"), "active", filterOptions); err != nil {
		return q, 0, err
	}
	if q.Sort, err = enumValue("sortByOption", queryValue(r, "sortByOption"), "displayName", sortOptions); err != nil {
		return q, 0, err
	}
	q.Ascending = true
	switch raw := queryValue(r, "isSortAscending"); strings.ToLower(raw) {
	case "", "true":
	case "false":
		q.Ascending = false
	default:
		return q, 0, errors.New("The value '" + raw + "' is not valid for isSortAscending.")
	}
	top := defaultTop
	if raw := queryValue(r, "$top"); raw != "" {
		if top, err = strconv.Atoi(raw); err != nil || top <= 0 {
			return q, 0, errors.New("The value '" + raw + "' is not valid for $top: it must be a positive number.")
		}
	}
	top = min(top, maxPageSize)
	if ct := queryValue(r, "continuationToken"); ct != "" {
		pos, err := decodeContinuation(ct)
		if err != nil {
			return q, 0, errors.New("The continuation token is not valid.")
		}
		if pos.Filter != q.Filter || pos.Sort != q.Sort || pos.Ascending != q.Ascending {
			return q, 0, errors.New("The continuation token was issued for other filtering options: subsequent calls must supply the same filtering options.")
		}
		q.After = pos.After
	}
	return q, top, nil
}

func encodeContinuation(q listQuery) string {
	b, _ := json.Marshal(q)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinuation(s string) (listQuery, error) {
	var q listQuery
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return q, err
	}
	if err := json.Unmarshal(b, &q); err != nil {
		return q, err
	}
	if q.After == nil {
		return q, errors.New("no position")
	}
	return q, nil
}

func (d *Service) listPATs(cfg *Config, c caller, r *http.Request) (wirePagedPatTokens, error) {
	q, top, err := parseListQuery(r, cfg.DefaultPageSize)
	if err != nil {
		return wirePagedPatTokens{}, err
	}
	type row struct {
		key  listKey
		wire wirePatToken
	}
	var rows []row
	d.mu.Lock()
	for _, p := range d.st.PATs {
		if !c.visible(p) {
			continue
		}
		st := d.patStatus(p)
		keep := q.Filter == "all" ||
			(q.Filter == "active" && st == statusActive) ||
			(q.Filter == "expired" && st == statusExpired) ||
			(q.Filter == "revoked" && st == statusRevoked)
		if keep {
			rows = append(rows, row{q.key(p, st), *p.wire(nil)})
		}
	}
	d.mu.Unlock()

	slices.SortFunc(rows, func(a, b row) int { return q.compare(a.key, b.key) })
	if q.After != nil {
		start := len(rows)
		for i, r := range rows {
			if q.compare(r.key, *q.After) > 0 {
				start = i
				break
			}
		}
		rows = rows[start:]
	}
	page := wirePagedPatTokens{PatTokens: []wirePatToken{}}
	for _, r := range rows[:min(top, len(rows))] {
		page.PatTokens = append(page.PatTokens, r.wire)
	}
	if len(rows) > top {
		next := q
		next.After = &rows[top-1].key
		page.ContinuationToken = encodeContinuation(next)
	}
	return page, nil
}

// SeedTokens stores n active tokens named prefix-00001… for a user, without
// going through the API: for benchmarks that need many.
func (d *Service) SeedTokens(upn string, n int, prefix string) error {
	cfg := d.config()
	d.mu.Lock()
	defer d.mu.Unlock()
	user, ok := cfg.User(upn)
	if !ok {
		return errors.New("no user " + upn)
	}
	now := serviceRound(d.host.Now())
	for i := 1; i <= n; i++ {
		d.st.PATs = append(d.st.PATs, &pat{
			ID: d.newID(), UserOID: user.ObjectID, DisplayName: fmt.Sprintf("%s-%05d", prefix, i), Scope: "vso.code",
			TargetAccounts: []string{DefaultOrgID}, ValidFrom: now, ValidTo: now.Add(30 * 24 * time.Hour),
			SecretHash: core.HashSecret(core.RandomCode(52)),
		})
	}
	d.save()
	return nil
}

package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRequestLogCountsRoundTrips(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	p := patTokenOf(t, api.create("a", "vso.code", em.Now().Add(time.Hour), false))
	id := p["authorizationId"].(string)
	api.do("GET", patsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	api.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	entra{t, em}.deviceLogin(nil)

	var ops []string
	for _, r := range em.Requests() {
		ops = append(ops, r.Op+":"+r.GrantType)
	}
	want := "create:,get:,revoke:,devicecode:,token:device_code"
	if got := strings.Join(ops, ","); got != want {
		t.Fatalf("log %s, want %s", got, want)
	}
	log := em.Requests()
	if log[1].Method != "GET" || !strings.Contains(log[1].Query, "authorizationId="+id) || log[2].Status != 204 {
		t.Fatalf("entries %+v", log[1:3])
	}
	if em.Connections() < 1 {
		t.Fatal("no connections counted")
	}
	em.ResetRequests()
	if len(em.Requests()) != 0 {
		t.Fatal("log not reset")
	}
}

func TestStatusFaultsWithRetryAfter(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	em.AddFault(Fault{Op: OpList, Kind: FaultStatus, Status: 429, RetryAfter: 7, Times: 2})
	for i := 0; i < 2; i++ {
		r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
		if r.status != 429 || r.header.Get("Retry-After") != "7" {
			t.Fatalf("try %d: %d Retry-After %q", i, r.status, r.header.Get("Retry-After"))
		}
	}
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 200 {
		t.Fatalf("after the fault ran out: %d", r.status)
	}
	// A fault may carry the service's message, whatever it holds.
	em.AddFault(Fault{Op: OpList, Kind: FaultStatus, Status: 400, Message: "bad\r\n\x1b[2J", Times: 1})
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 400 || r.json(t)["message"] != "bad\r\n\x1b[2J" {
		t.Fatalf("fault with a message: %d %v", r.status, r.json(t))
	}
	// Skip lets requests through before failing; other operations are untouched.
	em.AddFault(Fault{Op: OpCreate, Kind: FaultStatus, Status: 503, Skip: 1, Times: 1})
	api.create("first", "vso.code", em.Now().Add(time.Hour), false)
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 200 {
		t.Fatalf("list during a create fault: %d", r.status)
	}
	r := api.do("POST", patsPath+"?api-version=7.1-preview.1", map[string]any{"displayName": "second", "scope": "vso.code", "validTo": em.Now().Add(time.Hour)})
	if r.status != 503 {
		t.Fatalf("second create: %d", r.status)
	}
	if log := em.Requests(); log[len(log)-1].Fault != FaultStatus {
		t.Fatalf("the log does not show the fault: %+v", log[len(log)-1])
	}
	// The failed create changed nothing.
	page := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil).json(t)
	if n := len(page["patTokens"].([]any)); n != 1 {
		t.Fatalf("%d tokens after a refused create", n)
	}
}

// TestCommitFaultsCreateButAnswerNothing: commit-then-drop and
// commit-then-hold make the token; the client gets no answer.
func TestCommitFaultsCreateButAnswerNothing(t *testing.T) {
	for _, kind := range []string{FaultCommitThenDrop, FaultCommitThenHold} {
		em := startEmulator(t, Options{})
		api := newAPIClient(t, em)
		em.AddFault(Fault{Op: OpCreate, Kind: kind, Times: 1})
		client := em.HTTPClient()
		client.Timeout = 300 * time.Millisecond // a held answer
		if resp, err := client.Do(api.createRequest("lost")); err == nil {
			resp.Body.Close()
			t.Fatalf("%s: the answer arrived: %d", kind, resp.StatusCode)
		}
		page := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil).json(t)
		items := page["patTokens"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["displayName"] != "lost" {
			t.Fatalf("%s: the token was not created: %v", kind, items)
		}
	}
}

// createRequest is a create of a token named name, for sending by hand
// where the answer is not meant to arrive whole.
func (a *apiClient) createRequest(name string) *http.Request {
	body, _ := json.Marshal(map[string]any{"displayName": name, "scope": "vso.code", "validTo": a.em.Now().Add(time.Hour)})
	req, _ := http.NewRequest("POST", a.em.URL()+patsPath+"?api-version=7.1-preview.1", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestResetAndTimeoutFaults(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	em.AddFault(Fault{Op: OpRevoke, Kind: FaultReset, Times: 1})
	p := patTokenOf(t, api.create("keep", "vso.code", em.Now().Add(time.Hour), false))
	req, _ := http.NewRequest("DELETE", em.URL()+patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	if resp, err := em.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset answered %d", resp.StatusCode)
	}
	// Reset happens before the operation: the token is still active.
	if page := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil).json(t); len(page["patTokens"].([]any)) != 1 {
		t.Fatal("a reset revoke revoked")
	}

	em.AddFault(Fault{Op: OpGet, Kind: FaultTimeout, Times: 1})
	client := em.HTTPClient()
	client.Timeout = 200 * time.Millisecond
	req, _ = http.NewRequest("GET", em.URL()+patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	start := time.Now()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a timeout fault answered")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the client's timeout did not end the request")
	}
}

// TestStallBodyFault: the operation is done, the headers and half the body
// arrive, then nothing until the client gives up; the emulator lets go of
// the request once it has.
func TestStallBodyFault(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	em.AddFault(Fault{Op: OpCreate, Kind: FaultStallBody, Times: 1})
	req := api.createRequest("stalled")
	client := em.HTTPClient()
	client.Timeout = 300 * time.Millisecond
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("no headers: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || resp.StatusCode != 200 || len(got) == 0 || json.Valid(got) {
		t.Fatalf("status %d, body %q, read error %v: want a 200 and part of its body, then an error", resp.StatusCode, got, err)
	}
	page := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil).json(t)
	if items := page["patTokens"].([]any); len(items) != 1 || items[0].(map[string]any)["displayName"] != "stalled" {
		t.Fatalf("the token was not created: %v", items)
	}
	// The stalled request is logged when its handler ends: long before
	// stallLimit, since the client went away.
	deadline := time.Now().Add(stallLimit / 2)
	for !logged(em, OpCreate, FaultStallBody) {
		if time.Now().After(deadline) {
			t.Fatal("the stalled request still holds after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A revoke's 204 has no body: its headers are the whole answer.
	em.AddFault(Fault{Op: OpRevoke, Kind: FaultStallBody, Times: 1})
	id := page["patTokens"].([]any)[0].(map[string]any)["authorizationId"].(string)
	req, _ = http.NewRequest("DELETE", em.URL()+patsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	resp.Body.Close()
}

// logged reports whether the request log has a finished request of op with
// fault.
func logged(em *Emulator, op, fault string) bool {
	for _, r := range em.Requests() {
		if r.Op == op && r.Fault == fault {
			return true
		}
	}
	return false
}

func TestFaultOnRefreshGrantOnly(t *testing.T) {
	em := startEmulator(t, Options{})
	c := entra{t, em}
	em.AddFault(Fault{Op: OpToken, GrantType: "refresh_token", Kind: FaultStatus, Status: 500})
	rt := c.deviceLogin(nil)["refresh_token"].(string) // device_code grants pass
	status, _ := c.refresh(rt)
	if status != 500 {
		t.Fatalf("refresh: %d", status)
	}
	em.ClearFaults()
	if status, _ := c.refresh(rt); status != 200 {
		t.Fatalf("after clearing: %d", status)
	}
}

func TestLatency(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	api.do("GET", patsPath+"?api-version=7.1-preview.1", nil) // warm the connection
	em.Update(func(c *Config) { c.Latency = Duration(150 * time.Millisecond) })
	start := time.Now()
	api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered in %v despite 150ms latency", d)
	}
}

func TestAdminEndpoints(t *testing.T) {
	em := startEmulator(t, Options{})
	client := em.HTTPClient()
	do := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, em.URL()+path, strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := do("PATCH", "/_emulator/config", `{"signInAnswer":"203","accessTokenLifetime":"2m"}`); r.StatusCode != 200 {
		t.Fatalf("config: %d", r.StatusCode)
	}
	if cfg := em.Config(); cfg.SignInAnswer != "203" || time.Duration(cfg.AccessTokenLifetime) != 2*time.Minute || len(cfg.Users) != 1 {
		t.Fatalf("config after PATCH: %+v", cfg)
	}
	if r := do("POST", "/_emulator/faults", `{"op":"list","kind":"status","status":502,"times":1}`); r.StatusCode != 204 {
		t.Fatalf("faults: %d", r.StatusCode)
	}
	api := newAPIClient(t, em)
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 502 {
		t.Fatalf("armed fault: %d", r.status)
	}
	r := do("GET", "/_emulator/requests", "")
	var log []Request
	json.NewDecoder(r.Body).Decode(&log)
	r.Body.Close()
	if len(log) != 1 || log[0].Op != OpList || log[0].Status != 502 {
		t.Fatalf("log %+v", log)
	}
	before := em.Now()
	if r := do("POST", "/_emulator/clock?advance=2h", ""); r.StatusCode != 204 || em.Now().Sub(before) < 2*time.Hour {
		t.Fatalf("clock: %d", r.StatusCode)
	}
	if r := do("POST", "/_emulator/faults", `{}`); r.StatusCode != 400 {
		t.Fatalf("empty fault: %d", r.StatusCode)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "emulator.json")
	em, err := Start(Options{StateFile: file})
	if err != nil {
		t.Fatal(err)
	}
	api := newAPIClient(t, em)
	token := api.token
	p := patTokenOf(t, api.create("persisted", "vso.code", em.Now().Add(time.Hour), false))
	rt := entra{t, em}.deviceLogin(nil)["refresh_token"].(string)
	ca := string(em.CAPEM())
	em.Close()

	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v", info, err)
	}
	if data, _ := os.ReadFile(file); strings.Contains(string(data), p["token"].(string)) || strings.Contains(string(data), rt) {
		t.Fatal("the state file holds a secret it should only hash")
	}

	em2 := startEmulator(t, Options{StateFile: file})
	if string(em2.CAPEM()) != ca {
		t.Fatal("a new CA after restart: clients would stop trusting the emulator")
	}
	api2 := newAPIClient(t, em2)
	api2.token = token // issued before the restart, still valid
	page := api2.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if page.status != 200 || !strings.Contains(string(page.body), "persisted") {
		t.Fatalf("after restart: %d %s", page.status, page.body)
	}
	if status, _ := (entra{t, em2}).refresh(rt); status != 200 {
		t.Fatalf("refresh token lost in restart: %d", status)
	}
	if em2.Err() != nil {
		t.Fatal(em2.Err())
	}
}

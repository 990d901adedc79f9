package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

func TestRequestLogCountsRoundTrips(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	p := emulatortest.PatTokenOf(t, api.Create("a", "vso.code", em.Now().Add(time.Hour), false))
	id := p["authorizationId"].(string)
	api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	emulatortest.Entra{T: t, Em: em}.DeviceLogin(nil)

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
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	em.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultStatus, Status: 429, RetryAfter: 7, Times: 2})
	for i := 0; i < 2; i++ {
		r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
		if r.Status != 429 || r.Header.Get("Retry-After") != "7" {
			t.Fatalf("try %d: %d Retry-After %q", i, r.Status, r.Header.Get("Retry-After"))
		}
	}
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 200 {
		t.Fatalf("after the fault ran out: %d", r.Status)
	}
	// A fault may carry the service's message, whatever it holds.
	em.AddFault(emulator.Fault{Op: emulator.OpList, Kind: emulator.FaultStatus, Status: 400, Message: "bad\r\n\x1b[2J", Times: 1})
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 400 || r.JSON(t)["message"] != "bad\r\n\x1b[2J" {
		t.Fatalf("fault with a message: %d %v", r.Status, r.JSON(t))
	}
	// Skip lets requests through before failing; other operations are untouched.
	em.AddFault(emulator.Fault{Op: emulator.OpCreate, Kind: emulator.FaultStatus, Status: 503, Skip: 1, Times: 1})
	api.Create("first", "vso.code", em.Now().Add(time.Hour), false)
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 200 {
		t.Fatalf("list during a create fault: %d", r.Status)
	}
	r := api.Do("POST", emulatortest.PATsPath+"?api-version=7.1-preview.1", map[string]any{"displayName": "second", "scope": "vso.code", "validTo": em.Now().Add(time.Hour)})
	if r.Status != 503 {
		t.Fatalf("second create: %d", r.Status)
	}
	if log := em.Requests(); log[len(log)-1].Fault != emulator.FaultStatus {
		t.Fatalf("the log does not show the fault: %+v", log[len(log)-1])
	}
	// The failed create changed nothing.
	page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil).JSON(t)
	if n := len(page["patTokens"].([]any)); n != 1 {
		t.Fatalf("%d tokens after a refused create", n)
	}
}

// TestCommitFaultsCreateButAnswerNothing: commit-then-drop and
// commit-then-hold make the token; the client gets no answer.
func TestCommitFaultsCreateButAnswerNothing(t *testing.T) {
	for _, kind := range []string{emulator.FaultCommitThenDrop, emulator.FaultCommitThenHold} {
		em := emulatortest.Start(t, emulator.Options{})
		api := emulatortest.NewAPI(t, em)
		em.AddFault(emulator.Fault{Op: emulator.OpCreate, Kind: kind, Times: 1})
		client := em.HTTPClient()
		client.Timeout = 300 * time.Millisecond // a held answer
		if resp, err := client.Do(api.CreateRequest("lost")); err == nil {
			resp.Body.Close()
			t.Fatalf("%s: the answer arrived: %d", kind, resp.StatusCode)
		}
		page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil).JSON(t)
		items := page["patTokens"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["displayName"] != "lost" {
			t.Fatalf("%s: the token was not created: %v", kind, items)
		}
	}
}

func TestResetAndTimeoutFaults(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	em.AddFault(emulator.Fault{Op: emulator.OpRevoke, Kind: emulator.FaultReset, Times: 1})
	p := emulatortest.PatTokenOf(t, api.Create("keep", "vso.code", em.Now().Add(time.Hour), false))
	req, _ := http.NewRequest("DELETE", em.URL()+emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+api.Token)
	if resp, err := em.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset answered %d", resp.StatusCode)
	}
	// Reset happens before the operation: the token is still active.
	if page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil).JSON(t); len(page["patTokens"].([]any)) != 1 {
		t.Fatal("a reset revoke revoked")
	}

	em.AddFault(emulator.Fault{Op: emulator.OpGet, Kind: emulator.FaultTimeout, Times: 1})
	client := em.HTTPClient()
	client.Timeout = 200 * time.Millisecond
	req, _ = http.NewRequest("GET", em.URL()+emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+api.Token)
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
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	em.AddFault(emulator.Fault{Op: emulator.OpCreate, Kind: emulator.FaultStallBody, Times: 1})
	req := api.CreateRequest("stalled")
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
	page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil).JSON(t)
	if items := page["patTokens"].([]any); len(items) != 1 || items[0].(map[string]any)["displayName"] != "stalled" {
		t.Fatalf("the token was not created: %v", items)
	}
	// The stalled request is logged when its handler ends: long before
	// StallLimit, since the client went away.
	deadline := time.Now().Add(core.StallLimit / 2)
	for !logged(em, emulator.OpCreate, emulator.FaultStallBody) {
		if time.Now().After(deadline) {
			t.Fatal("the stalled request still holds after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A revoke's 204 has no body: its headers are the whole answer.
	em.AddFault(emulator.Fault{Op: emulator.OpRevoke, Kind: emulator.FaultStallBody, Times: 1})
	id := page["patTokens"].([]any)[0].(map[string]any)["authorizationId"].(string)
	req, _ = http.NewRequest("DELETE", em.URL()+emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil)
	req.Header.Set("Authorization", "Bearer "+api.Token)
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	resp.Body.Close()
}

// logged reports whether the request log has a finished request of op with
// fault.
func logged(em *emulator.Emulator, op, fault string) bool {
	for _, r := range em.Requests() {
		if r.Op == op && r.Fault == fault {
			return true
		}
	}
	return false
}

func TestFaultOnRefreshGrantOnly(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	c := emulatortest.Entra{T: t, Em: em}
	em.AddFault(emulator.Fault{Op: emulator.OpToken, GrantType: "refresh_token", Kind: emulator.FaultStatus, Status: 500})
	rt := c.DeviceLogin(nil)["refresh_token"].(string) // device_code grants pass
	status, _ := c.Refresh(rt)
	if status != 500 {
		t.Fatalf("refresh: %d", status)
	}
	em.ClearFaults()
	if status, _ := c.Refresh(rt); status != 200 {
		t.Fatalf("after clearing: %d", status)
	}
}

func TestLatency(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil) // warm the connection
	em.Update(func(c *emulator.Config) { c.Latency = emulator.Duration(150 * time.Millisecond) })
	start := time.Now()
	api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered in %v despite 150ms latency", d)
	}
}

func TestAdminEndpoints(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
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
	api := emulatortest.NewAPI(t, em)
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 502 {
		t.Fatalf("armed fault: %d", r.Status)
	}
	r := do("GET", "/_emulator/requests", "")
	var log []emulator.Request
	json.NewDecoder(r.Body).Decode(&log)
	r.Body.Close()
	if len(log) != 1 || log[0].Op != emulator.OpList || log[0].Status != 502 {
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
	em, err := emulator.Start(emulator.Options{StateFile: file})
	if err != nil {
		t.Fatal(err)
	}
	api := emulatortest.NewAPI(t, em)
	token := api.Token
	p := emulatortest.PatTokenOf(t, api.Create("persisted", "vso.code", em.Now().Add(time.Hour), false))
	rt := emulatortest.Entra{T: t, Em: em}.DeviceLogin(nil)["refresh_token"].(string)
	ca := string(em.CAPEM())
	em.Close()

	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v", info, err)
	}
	if data, _ := os.ReadFile(file); strings.Contains(string(data), p["token"].(string)) || strings.Contains(string(data), rt) {
		t.Fatal("the state file holds a secret it should only hash")
	}

	em2 := emulatortest.Start(t, emulator.Options{StateFile: file})
	if string(em2.CAPEM()) != ca {
		t.Fatal("a new CA after restart: clients would stop trusting the emulator")
	}
	api2 := emulatortest.NewAPI(t, em2)
	api2.Token = token // issued before the restart, still valid
	page := api2.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "persisted") {
		t.Fatalf("after restart: %d %s", page.Status, page.Body)
	}
	if status, _ := (emulatortest.Entra{T: t, Em: em2}).Refresh(rt); status != 200 {
		t.Fatalf("refresh token lost in restart: %d", status)
	}
	if em2.Err() != nil {
		t.Fatal(em2.Err())
	}
}

package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestStampWinsOverBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}}}
	got := fill(Info{Version: "1.2.3", Commit: "feedface"}, bi)
	if got.Version != "1.2.3" || got.Commit != "feedface" || got.Date != "2026-01-02T03:04:05Z" {
		t.Fatalf("%+v", got)
	}
	if s := got.String(); s != "patctl version 1.2.3 (commit feedface, built 2026-01-02T03:04:05Z)" {
		t.Fatal(s)
	}
}

func TestFallbacks(t *testing.T) {
	got := fill(Info{}, &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}})
	if got.Version != "v0.9.0" || got.String() != "patctl version v0.9.0 (commit 0123456789ab)" {
		t.Fatalf("%+v %s", got, got)
	}
	if got := fill(Info{}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got.String() != "patctl version dev" {
		t.Fatal(got)
	}
}

func TestPlaceholdersAreDropped(t *testing.T) {
	Version, Commit, Date = "0.0.1-next", "none", "0001-01-01T00:00:00Z"
	defer func() { Version, Commit, Date = "", "", "" }()
	if got := Get(); got.Commit == "none" || got.Date == "0001-01-01T00:00:00Z" || got.Version != "0.0.1-next" {
		t.Fatalf("%+v", got)
	}
}

func TestPseudoVersionNamesItsCommit(t *testing.T) {
	for v, want := range map[string][2]string{
		// `go install …@latest` of an untagged commit: no VCS settings.
		"v0.0.0-20261201023300-e2bd626abcde":              {"e2bd626abcde", "2026-12-01T02:33:00Z"},
		"v1.2.4-0.20261201023300-e2bd626abcde":            {"e2bd626abcde", "2026-12-01T02:33:00Z"},
		"v1.3.0-rc.1.0.20261201023300-e2bd626abcde":       {"e2bd626abcde", "2026-12-01T02:33:00Z"},
		"v0.0.0-20261201023300-e2bd626abcde+dirty":        {"e2bd626abcde", "2026-12-01T02:33:00Z"},
		"v2.0.0-20261201023300-e2bd626abcde+incompatible": {"e2bd626abcde", "2026-12-01T02:33:00Z"},
	} {
		got := fill(Info{}, &debug.BuildInfo{Main: debug.Module{Version: v}})
		if got.Version != v || got.Commit != want[0] || got.Date != want[1] {
			t.Errorf("%s: %+v, want commit %s date %s", v, got, want[0], want[1])
		}
	}
	// Not pseudo-versions: a release and a pre-release keep no commit.
	for _, v := range []string{"v1.2.3", "v1.2.3-rc.1", "v1.2.3-20261201023300"} {
		if got := fill(Info{}, &debug.BuildInfo{Main: debug.Module{Version: v}}); got.Commit != "" || got.Date != "" {
			t.Errorf("%s: %+v", v, got)
		}
	}
	// A checkout build (Go 1.24+) has both: the full revision wins.
	got := fill(Info{}, &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201023300-e2bd626abcde+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "e2bd626abcde0123456789abcdef0123456789ab"}, {Key: "vcs.time", Value: "2026-12-01T02:33:00Z"}, {Key: "vcs.modified", Value: "true"}}})
	if got.Commit != "e2bd626abcde0123456789abcdef0123456789ab" || got.Date != "2026-12-01T02:33:00Z" {
		t.Fatalf("%+v", got)
	}
}

func TestGetNamesGoVersionAndPlatform(t *testing.T) {
	got := Get()
	if got.GoVersion != runtime.Version() || got.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("%+v", got)
	}
	if s := got.String(); !strings.Contains(s, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatal(s)
	}
}

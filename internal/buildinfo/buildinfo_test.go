package buildinfo

import (
	"runtime/debug"
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

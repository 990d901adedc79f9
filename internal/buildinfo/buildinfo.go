// Package buildinfo says which patctl this is: the version, commit and date
// stamped at build time, or what Go recorded in the binary otherwise.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Stamped by the release build:
//
//	-ldflags "-X github.com/patctl/patctl/internal/buildinfo.Version=1.2.3 -X …Commit=abc -X …Date=2026-11-22T10:00:00Z"
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is one build's identity.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
}

// Get returns the stamped identity, filling gaps from the module's build
// information (a `go install …@v1.2.3` binary knows its version, a build from
// a checkout its commit).
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date}
	// A release tool that could not read git stamps placeholders.
	if info.Commit == "none" || info.Commit == "unknown" {
		info.Commit = ""
	}
	if strings.HasPrefix(info.Date, "0001-") {
		info.Date = ""
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if info.Version == "" {
			info.Version = "dev"
		}
		return info
	}
	return fill(info, bi)
}

func fill(info Info, bi *debug.BuildInfo) Info {
	if info.Version == "" {
		info.Version = bi.Main.Version
	}
	if info.Version == "" || info.Version == "(devel)" {
		info.Version = "dev"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		}
	}
	return info
}

// String is the one line `patctl version` prints.
func (i Info) String() string {
	s := "patctl version " + i.Version
	switch {
	case i.Commit != "" && i.Date != "":
		s += fmt.Sprintf(" (commit %s, built %s)", short(i.Commit), i.Date)
	case i.Commit != "":
		s += fmt.Sprintf(" (commit %s)", short(i.Commit))
	}
	return s
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

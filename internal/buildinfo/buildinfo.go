// Package buildinfo says which patctl this is: the version, commit and date
// stamped at build time, or what Go recorded in the binary otherwise, and the
// Go version and platform it was built with — what a bug report needs.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/regexpx"
)

// Stamped by the release build:
//
//	-ldflags "-X github.com/patctl/patctl/internal/buildinfo.Version=1.2.3 -X …Commit=abc -X …Date=2026-11-22T10:00:00Z"
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is one build's identity. Its JSON is what `patctl version --json`
// prints; the field names are a contract.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"` // GOOS/GOARCH, as "linux/amd64"
}

// Get returns the stamped identity, filling gaps from the module's build
// information: a `go install …@v1.2.3` binary knows its version, one built
// from a checkout its commit (Go 1.24 and later also derive a version from
// the checkout), and one installed at an untagged commit a pseudo-version
// that names the commit.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
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
	if info.GoVersion == "" {
		info.GoVersion = bi.GoVersion
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
	// A pseudo-version names its commit (12 hex digits) and the commit's
	// time: all a binary installed from the module proxy at an untagged
	// commit has, since the module zip carries no VCS information.
	if rev, t, ok := pseudo(info.Version); ok {
		if info.Commit == "" {
			info.Commit = rev
		}
		if info.Date == "" {
			info.Date = t.Format(time.RFC3339)
		}
	}
	return info
}

// pseudoRE matches the three forms of a pseudo-version
// (https://go.dev/ref/mod#pseudo-versions): vX.0.0-yyyymmddhhmmss-rev,
// vX.Y.(Z+1)-0.yyyymmddhhmmss-rev and vX.Y.Z-pre.0.yyyymmddhhmmss-rev,
// with "+incompatible" or, from a modified checkout (Go 1.24+), "+dirty".
// It is compiled on first use: every run reads the version (--version is in
// every command tree), and most versions never need it.
var pseudoRE = regexpx.Lazy(`^v\d+\.\d+\.\d+-(?:[0-9A-Za-z.-]*\.)?(?:0\.)?(\d{14})-([0-9a-f]{12})(?:\+[0-9A-Za-z.-]+)?$`)

func pseudo(v string) (rev string, t time.Time, ok bool) {
	// Every form has a "-" before the time and another before the commit: a
	// release (1.2.3), a pre-release (v1.2.3-rc.1) or "(devel)" has fewer.
	if strings.Count(v, "-") < 2 {
		return "", time.Time{}, false
	}
	m := pseudoRE().FindStringSubmatch(v)
	if m == nil {
		return "", time.Time{}, false
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return "", time.Time{}, false
	}
	return m[2], t.UTC(), true
}

// String is the one line `patctl version` prints.
func (i Info) String() string { return "patctl version " + i.Long() }

// Long is the version followed by what else is known (commit, build date, Go
// version and platform): what String prints after "patctl version ".
func (i Info) Long() string {
	s := i.Version
	var details []string
	if i.Commit != "" {
		details = append(details, "commit "+short(i.Commit))
	}
	if i.Date != "" {
		details = append(details, "built "+i.Date)
	}
	if i.GoVersion != "" || i.Platform != "" {
		details = append(details, strings.TrimSpace(i.GoVersion+" "+i.Platform))
	}
	if len(details) > 0 {
		s += fmt.Sprintf(" (%s)", strings.Join(details, ", "))
	}
	return s
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

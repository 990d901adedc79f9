package buildinfo_test

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/buildinfo"
)

// The two ways to get patctl without a release, done for real with the go
// command: a build from this checkout (Go 1.24+ derives the version from git)
// and a `go install …@version` from a module proxy, here a file:// proxy
// holding this checkout as a module zip at its pseudo-version. Both binaries
// must say what they are in `patctl version --json`.

func TestGoBuildFromCheckout(t *testing.T) {
	root, head := checkout(t)
	bin := filepath.Join(t.TempDir(), "patctl")
	goCmd(t, root, nil, "build", "-buildvcs=true", "-o", bin, "./cmd/patctl")
	got := versionJSON(t, bin)
	if got.Commit != head.rev {
		t.Fatalf("commit %q, want HEAD %s (%+v)", got.Commit, head.rev, got)
	}
	// vX.Y.Z on a tagged commit, else a pseudo-version naming the commit;
	// "+dirty" when the checkout has changes.
	v := strings.TrimSuffix(got.Version, "+dirty")
	if !strings.HasPrefix(v, "v") || (v != head.tag && !strings.HasSuffix(v, "-"+head.rev[:12])) {
		t.Fatalf("version %q names neither the tag %q nor the commit %s", got.Version, head.tag, head.rev[:12])
	}
	if got.Date != head.time.Format(time.RFC3339) {
		t.Fatalf("date %q, want the commit's %s", got.Date, head.time.Format(time.RFC3339))
	}
	checkToolchain(t, got)
}

func TestGoInstallFromModuleProxy(t *testing.T) {
	root, head := checkout(t)
	version := fmt.Sprintf("v0.0.0-%s-%s", head.time.Format("20060102150405"), head.rev[:12])
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	writeModule(t, root, filepath.Join(proxy, "github.com/patctl/patctl/@v"), version)
	gobin := filepath.Join(tmp, "bin")
	upstream := strings.TrimSpace(goOutput(t, root, nil, "env", "GOPROXY"))
	env := []string{
		"GOBIN=" + gobin,
		"GOPROXY=file://" + filepath.ToSlash(proxy) + "," + upstream, // dependencies: the module cache, else upstream
		"GONOSUMDB=github.com/patctl/patctl",
		"GOFLAGS=",
	}
	goCmd(t, tmp, env, "install", "github.com/patctl/patctl/cmd/patctl@"+version)
	got := versionJSON(t, filepath.Join(gobin, "patctl"+exeSuffix()))
	// A module zip has no VCS information: the pseudo-version is all there is.
	if got.Version != version || got.Commit != head.rev[:12] || got.Date != head.time.Format(time.RFC3339) {
		t.Fatalf("%+v, want version %s, commit %s, date %s", got, version, head.rev[:12], head.time.Format(time.RFC3339))
	}
	checkToolchain(t, got)
}

type commit struct {
	rev, tag string
	time     time.Time
}

// checkout finds the module's root and its git HEAD, or skips the test: a
// build needs a while, and a copy without .git (or a git worktree, whose
// .git is a file the go command does not take for a repository) has no
// VCS information to test.
func checkout(t *testing.T) (string, commit) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds patctl: not with -short")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := strings.TrimSpace(goOutput(t, ".", nil, "list", "-m", "-f", "{{.Dir}}"))
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		t.Skipf("%s is not a git clone (no .git directory)", root)
	}
	out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%H %ct").Output()
	if err != nil {
		t.Fatalf("git log: %v", err)
	}
	var c commit
	var unix int64
	if _, err := fmt.Sscan(string(out), &c.rev, &unix); err != nil {
		t.Fatalf("git log printed %q: %v", out, err)
	}
	c.time = time.Unix(unix, 0).UTC()
	if tag, err := exec.Command("git", "-C", root, "describe", "--tags", "--exact-match", "--match", "v[0-9]*").Output(); err == nil {
		c.tag = strings.TrimSpace(string(tag))
	}
	return root, c
}

// writeModule writes what a module proxy serves for this checkout at version:
// .info, .mod and a zip of the files git tracks (nested modules left out, as
// the go command does).
func writeModule(t *testing.T, root, dir, version string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "list"), []byte(version+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, version+".mod"), gomod, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, version+".info"), fmt.Appendf(nil, `{"Version":%q}`, version), 0o644))
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	nested := map[string]bool{}
	for name := range strings.SplitSeq(strings.TrimRight(string(files), "\x00"), "\x00") {
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested[path.Dir(name)] = true
		}
	}
	for name := range strings.SplitSeq(strings.TrimRight(string(files), "\x00"), "\x00") {
		if inNested(name, nested) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) { // deleted in the work tree, not yet committed
			continue
		}
		must(t, err)
		w, err := zw.Create("github.com/patctl/patctl@" + version + "/" + name)
		must(t, err)
		_, err = w.Write(data)
		must(t, err)
	}
	must(t, zw.Close())
}

func inNested(name string, nested map[string]bool) bool {
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if nested[d] {
			return true
		}
	}
	return false
}

func versionJSON(t *testing.T, bin string) buildinfo.Info {
	t.Helper()
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("%s version --json: %v", bin, err)
	}
	var info buildinfo.Info
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return info
}

func checkToolchain(t *testing.T, got buildinfo.Info) {
	t.Helper()
	if got.GoVersion != runtime.Version() || got.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("goVersion %q platform %q, want %s %s/%s", got.GoVersion, got.Platform, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
}

func goCmd(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=", "GOTOOLCHAIN=local"}, env...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func goOutput(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

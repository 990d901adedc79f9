// Command cirun runs the shell steps of a GitHub Actions workflow or
// composite action, or of an Azure Pipelines pipeline and its steps
// templates, on this machine as the hosted runners would: expressions and
// inputs or parameters substituted, the step's environment, the files and
// logging commands through which steps talk to the runner (GITHUB_OUTPUT,
// GITHUB_PATH, GITHUB_ENV, ::add-mask::; ##vso[task.setvariable],
// ##vso[task.prependpath]), secrets masked in the log. It is how patctl's
// action and template are tested against the emulator
// (scripts/check-ci-integrations.sh); it is not a general runner: keys it
// does not know are refused rather than ignored.
//
//	cirun github -workflow FILE -uses patctl/patctl=DIR [-set github.repository=O/R] [-secret K=V] [-env K=V] -work DIR [-state FILE]
//	cirun azure -pipeline FILE -repo patctl=DIR [-var K=V] [-secret K=V] [-env K=V] -work DIR [-state FILE]
//
// The log goes to stdout. The exit code is the failed step's, 0 when every
// step succeeded. -state writes what the run left (outputs, variables, the
// PATH entries added, annotations) as JSON.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "github" && os.Args[1] != "azure") {
		fmt.Fprintln(os.Stderr, "usage: cirun github|azure [flags] (see the package comment)")
		os.Exit(2)
	}
	kind := os.Args[1]
	fl := flag.NewFlagSet("cirun "+kind, flag.ExitOnError)
	file := fl.String(map[string]string{"github": "workflow", "azure": "pipeline"}[kind], "", "the `file` to run")
	work := fl.String("work", "", "the working `directory` (the checkout); also holds the runner's temporary files")
	stateFile := fl.String("state", "", "write what the run left to this JSON `file`")
	var sets, secrets, vars, envs, repos kv
	fl.Var(&envs, "env", "`K=V` in the runner's environment (repeatable)")
	fl.Var(&secrets, "secret", "a secret `K=V`: secrets.K in GitHub, a secret variable in Azure (repeatable)")
	if kind == "github" {
		fl.Var(&sets, "set", "a context value `github.X=V`, vars.X=V (repeatable)")
		fl.Var(&repos, "uses", "`OWNER/REPO=DIR`: run `uses: OWNER/REPO@…` from this directory's action.yml")
	} else {
		fl.Var(&vars, "var", "a pipeline variable `K=V` (repeatable)")
		fl.Var(&repos, "repo", "`ALIAS=DIR`: where template@ALIAS files are")
	}
	_ = fl.Parse(os.Args[2:])
	if *file == "" || *work == "" || fl.NArg() > 0 {
		fl.Usage()
		os.Exit(2)
	}
	r := &runner{work: *work, env: envs.m(), secrets: secrets.m(), repos: repos.m(), log: os.Stdout}
	r.state.Variables = map[string]variable{}
	r.state.Outputs = map[string]map[string]string{}
	for _, s := range secrets {
		r.addMask(s[1])
	}
	var err error
	if kind == "github" {
		err = r.github(*file, sets.m())
	} else {
		for _, v := range vars {
			r.state.Variables[v[0]] = variable{Value: v[1]}
		}
		for k, v := range r.secrets {
			r.state.Variables[k] = variable{Value: v, Secret: true}
		}
		err = r.azure(*file)
	}
	if *stateFile != "" {
		data, _ := json.MarshalIndent(r.state, "", "  ")
		if werr := os.WriteFile(*stateFile, data, 0o600); werr != nil && err == nil {
			err = werr
		}
	}
	var failed *stepFailed
	switch {
	case errors.As(err, &failed):
		fmt.Fprintf(r.log, "cirun: step %q failed with exit code %d\n", failed.step, failed.code)
		os.Exit(failed.code)
	case err != nil:
		fmt.Fprintln(os.Stderr, "cirun:", err)
		os.Exit(125)
	}
	fmt.Fprintln(r.log, "cirun: every step succeeded")
}

type kv [][2]string

func (k *kv) String() string { return fmt.Sprint(*k) }
func (k *kv) Set(s string) error {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("%q: want K=V", s)
	}
	*k = append(*k, [2]string{key, val})
	return nil
}
func (k kv) m() map[string]string {
	m := map[string]string{}
	for _, p := range k {
		m[p[0]] = p[1]
	}
	return m
}

type runner struct {
	work    string
	env     map[string]string // the runner machine's
	secrets map[string]string
	repos   map[string]string
	log     io.Writer
	path    []string // prepended to PATH by steps, latest first

	mu    sync.Mutex
	masks []string
	state state
}

type state struct {
	Outputs     map[string]map[string]string `json:"outputs"`   // step id -> name -> value (GitHub)
	Variables   map[string]variable          `json:"variables"` // Azure
	Path        []string                     `json:"path"`
	Annotations []string                     `json:"annotations"`
	Steps       []stepResult                 `json:"steps"`
	Result      string                       `json:"result,omitempty"` // Azure task.complete
}

type variable struct {
	Value  string `json:"value"`
	Secret bool   `json:"secret"`
}

type stepResult struct {
	Name string `json:"name"`
	Exit int    `json:"exit"`
}

type stepFailed struct {
	step string
	code int
}

func (e *stepFailed) Error() string { return fmt.Sprintf("step %q: exit %d", e.step, e.code) }

func (r *runner) addMask(v string) {
	if strings.TrimSpace(v) == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.masks, v) {
		r.masks = append(r.masks, v)
	}
}

func (r *runner) mask(line string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.masks {
		line = strings.ReplaceAll(line, m, "***")
	}
	return line
}

// baseEnv is what every step starts from: a small machine environment, the
// -env values, and the CI system's own variables.
func (r *runner) baseEnv(ci map[string]string) map[string]string {
	env := map[string]string{}
	for _, k := range []string{"HOME", "LANG", "USER", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	env["PATH"] = os.Getenv("PATH")
	for k, v := range r.env {
		env[k] = v
	}
	for k, v := range ci {
		env[k] = v
	}
	if len(r.path) > 0 {
		env["PATH"] = strings.Join(r.path, string(os.PathListSeparator)) + string(os.PathListSeparator) + env["PATH"]
	}
	return env
}

// runScript runs one step's script with its shell, and hands each line of
// its output, masked, to the log and to onLine (logging commands).
func (r *runner) runScript(name, shell, script, dir string, env map[string]string, onLine func(string) bool) (int, error) {
	f, err := os.CreateTemp(r.tempDir(), "step-*.sh")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(script); err != nil {
		return 0, err
	}
	f.Close()
	var argv []string
	switch shell {
	case "bash":
		argv = []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", f.Name()}
	case "azure-bash":
		argv = []string{"bash", "--noprofile", "--norc", f.Name()}
	case "sh":
		argv = []string{"sh", "-e", f.Name()}
	default:
		return 0, fmt.Errorf("step %q: shell %q is not run here", name, shell)
	}
	fmt.Fprintf(r.log, "cirun: ── %s\n", name)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if onLine != nil && !onLine(line) {
				continue
			}
			fmt.Fprintln(r.log, r.mask(line))
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err = cmd.Run()
	pw.Close()
	<-done
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return 0, err
	}
	r.state.Steps = append(r.state.Steps, stepResult{Name: name, Exit: code})
	return code, nil
}

func (r *runner) tempDir() string {
	d := filepath.Join(r.work, ".cirun-temp")
	_ = os.MkdirAll(d, 0o755)
	return d
}

// exprRE is a ${{ … }} expression.
var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// substitute replaces every ${{ path }} in s with lookup(path).
func substitute(s string, lookup func(string) (string, error)) (string, error) {
	var firstErr error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		v, err := lookup(exprRE.FindStringSubmatch(m)[1])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

// keys checks that a YAML mapping has only known keys.
func keys(what string, m map[string]any, known ...string) error {
	for k := range m {
		if !slices.Contains(known, k) {
			return fmt.Errorf("%s: key %q is not run by cirun", what, k)
		}
	}
	return nil
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func stringMap(what string, v any) (map[string]string, error) {
	if v == nil {
		return map[string]string{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a mapping", what)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out, nil
}

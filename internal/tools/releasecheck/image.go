package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"debug/elf"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// The container image is checked without an image builder: the build context
// is laid out as goreleaser's dockers_v2 lays it out (the Dockerfile, its
// extra_files, and each platform's binaries under OS/ARCH/), the Dockerfile's
// instructions are applied to an empty directory as `FROM scratch` would
// (COPY with --chown and --chmod, USER, ENV, WORKDIR, ENTRYPOINT), and what
// comes out is checked: every file the Dockerfile names is in the context,
// the entry point is a static binary of the platform, the CA certificates
// parse, the user is not root and owns its home. On a linux/amd64 machine, as
// root, patctl then runs in that filesystem (chroot) as the image's user.

type dockerConfig struct {
	ID         string   `yaml:"id"`
	IDs        []string `yaml:"ids"`
	Dockerfile string   `yaml:"dockerfile"`
	Platforms  []string `yaml:"platforms"`
	ExtraFiles []string `yaml:"extra_files"`
}

// image is a container image's filesystem and configuration.
type image struct {
	platform   string
	rootfs     string
	uid, gid   int
	env        []string
	workdir    string
	entrypoint []string
	owners     map[string][2]int // image path -> uid, gid (what --chown set)
}

func checkImage(r *release) (string, error) {
	cfg, err := readDockerConfig(r.config)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "patctl-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctxDir := filepath.Join(tmp, "context")
	if err := makeContext(r, cfg, ctxDir); err != nil {
		return "", err
	}
	var ran string
	for _, platform := range cfg.Platforms {
		img, err := buildImage(ctxDir, platform, filepath.Join(tmp, strings.ReplaceAll(platform, "/", "-")))
		if err != nil {
			return "", fmt.Errorf("%s: %w", platform, err)
		}
		if err := img.check(); err != nil {
			return "", fmt.Errorf("%s: %w", platform, err)
		}
		if platform != runtime.GOOS+"/"+runtime.GOARCH {
			continue
		}
		if os.Geteuid() != 0 {
			if os.Getenv("CI") == "true" {
				return "", errors.New("running patctl in the image's filesystem needs root (chroot)")
			}
			ran = "; patctl not run in it: not root"
			continue
		}
		var out bytes.Buffer
		code, err := img.run([]string{"version", "--json"}, nil, nil, &out, os.Stderr)
		if err != nil || code != 0 {
			return "", fmt.Errorf("%s: patctl version in the image: exit %d %v", platform, code, err)
		}
		var v struct{ Version, Platform string }
		if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version != r.version || v.Platform != platform {
			return "", fmt.Errorf("%s: patctl version in the image said %q", platform, out.String())
		}
		ran = fmt.Sprintf("; patctl %s ran in the %s filesystem as uid %d", v.Version, platform, img.uid)
	}
	return fmt.Sprintf("%s builds FROM scratch for %s from the context goreleaser makes%s", cfg.Dockerfile, strings.Join(cfg.Platforms, ", "), ran), nil
}

func readDockerConfig(file string) (dockerConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return dockerConfig{}, err
	}
	var c struct {
		DockersV2 []dockerConfig `yaml:"dockers_v2"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return dockerConfig{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(c.DockersV2) != 1 {
		return dockerConfig{}, fmt.Errorf("%s: %d dockers_v2 entries, want 1", file, len(c.DockersV2))
	}
	d := c.DockersV2[0]
	if d.Dockerfile == "" {
		d.Dockerfile = "Dockerfile"
	}
	if len(d.Platforms) == 0 {
		d.Platforms = []string{"linux/amd64", "linux/arm64"}
	}
	return d, nil
}

// makeContext lays out the build context as goreleaser does
// (internal/pipe/docker/v2 makeContext): the Dockerfile, the extra files at
// their paths, and each binary of the ids at PLATFORM/NAME.
func makeContext(r *release, cfg dockerConfig, dir string) error {
	if err := copyTree(cfg.Dockerfile, filepath.Join(dir, "Dockerfile")); err != nil {
		return err
	}
	for _, f := range cfg.ExtraFiles {
		if err := copyTree(f, filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("extra_files: %w", err)
		}
	}
	n := 0
	for _, b := range r.ofType("Binary") {
		id, _ := b.Extra["ID"].(string)
		if len(cfg.IDs) > 0 && !contains(cfg.IDs, id) {
			continue
		}
		if !contains(cfg.Platforms, b.Goos+"/"+b.Goarch) {
			continue
		}
		if err := copyTree(b.Path, filepath.Join(dir, b.Goos, b.Goarch, b.Name)); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no binaries of ids %v for %v", cfg.IDs, cfg.Platforms)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// buildImage applies the Dockerfile in ctxDir to an empty root for platform.
func buildImage(ctxDir, platform, dir string) (*image, error) {
	goos, goarch, _ := strings.Cut(platform, "/")
	img := &image{platform: platform, rootfs: filepath.Join(dir, "rootfs"), workdir: "/", owners: map[string][2]int{}}
	if err := os.MkdirAll(img.rootfs, 0o755); err != nil {
		return nil, err
	}
	args := map[string]string{"TARGETPLATFORM": platform, "TARGETOS": goos, "TARGETARCH": goarch, "BUILDPLATFORM": runtime.GOOS + "/" + runtime.GOARCH}
	declared := map[string]bool{}
	instructions, err := readDockerfile(filepath.Join(ctxDir, "Dockerfile"))
	if err != nil {
		return nil, err
	}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if declared[k] {
				return args[k]
			}
			return ""
		})
	}
	from := 0
	user := ""
	for _, in := range instructions {
		switch in.cmd {
		case "FROM":
			from++
			if in.args != "scratch" || from > 1 {
				return nil, fmt.Errorf("line %d: FROM %s: the image is one stage FROM scratch", in.line, in.args)
			}
		case "ARG":
			name, def, hasDef := strings.Cut(in.args, "=")
			declared[name] = true
			if _, predefined := args[name]; !predefined && hasDef {
				args[name] = def
			}
		case "COPY":
			if err := img.copy(ctxDir, strings.Fields(expand(in.args))); err != nil {
				return nil, fmt.Errorf("line %d: COPY %s: %w", in.line, in.args, err)
			}
		case "USER":
			user = expand(in.args)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("line %d: ENV %s: write ENV KEY=VALUE", in.line, in.args)
				}
				img.env = append(img.env, k+"="+expand(v))
			}
		case "WORKDIR":
			img.workdir = expand(in.args)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.args), &img.entrypoint); err != nil || len(img.entrypoint) == 0 {
				return nil, fmt.Errorf("line %d: ENTRYPOINT: use the exec form, [\"/path\", …]: there is no shell", in.line)
			}
		case "LABEL", "CMD":
		default:
			return nil, fmt.Errorf("line %d: %s: not an instruction this check applies (a scratch image has no shell for RUN)", in.line, in.cmd)
		}
	}
	if from != 1 {
		return nil, errors.New("no FROM scratch")
	}
	u, g, ok := strings.Cut(user, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("USER %q: give a numeric UID:GID (Kubernetes' runAsNonRoot can only check a number)", user)
	}
	img.uid, img.gid = uid, gid
	return img, nil
}

type instruction struct {
	line      int
	cmd, args string
}

func readDockerfile(file string) ([]instruction, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []instruction
	sc := bufio.NewScanner(f)
	var cur strings.Builder
	start := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if s, cont := strings.CutSuffix(line, "\\"); cont {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out, sc.Err()
}

// copy is COPY [--chown=U:G] [--chmod=MODE] SRC… DEST, with Docker's rules:
// a directory's contents are copied, a DEST ending in / is a directory.
func (img *image) copy(ctxDir string, args []string) error {
	owner := [2]int{0, 0}
	var mode fs.FileMode
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		flagName, val, _ := strings.Cut(strings.TrimPrefix(args[0], "--"), "=")
		switch flagName {
		case "chown":
			u, g, _ := strings.Cut(val, ":")
			uid, err1 := strconv.Atoi(u)
			gid, err2 := strconv.Atoi(g)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("--chown=%s: numeric UID:GID, there is no /etc/passwd to look names up at build time", val)
			}
			owner = [2]int{uid, gid}
		case "chmod":
			m, err := strconv.ParseUint(val, 8, 32)
			if err != nil {
				return fmt.Errorf("--chmod=%s: %w", val, err)
			}
			mode = fs.FileMode(m&0o777) | sticky(m)
		default:
			return fmt.Errorf("--%s: not applied by this check", flagName)
		}
		args = args[1:]
	}
	if len(args) < 2 {
		return errors.New("want SRC… DEST")
	}
	dest := args[len(args)-1]
	for _, src := range args[:len(args)-1] {
		from := filepath.Join(ctxDir, filepath.FromSlash(path.Clean(src)))
		fi, err := os.Stat(from)
		if err != nil {
			return fmt.Errorf("%s is not in the build context goreleaser makes", src)
		}
		to := dest
		if !fi.IsDir() && strings.HasSuffix(dest, "/") {
			to = path.Join(dest, path.Base(src))
		}
		err = filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(from, p)
			imgPath := path.Join(to, filepath.ToSlash(rel))
			target := filepath.Join(img.rootfs, filepath.FromSlash(imgPath))
			info, err := d.Info()
			if err != nil {
				return err
			}
			m := info.Mode().Perm()
			if mode != 0 {
				m = mode
			}
			if d.IsDir() {
				if err := os.MkdirAll(target, 0o755); err != nil {
					return err
				}
			} else if err := copyFile(p, target); err != nil {
				return err
			}
			if err := os.Chmod(target, m); err != nil {
				return err
			}
			img.owners[imgPath] = owner
			if os.Geteuid() == 0 {
				return os.Lchown(target, owner[0], owner[1])
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func sticky(m uint64) fs.FileMode {
	if m&0o1000 != 0 {
		return fs.ModeSticky
	}
	return 0
}

func (img *image) getenv(k string) string {
	for _, kv := range img.env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

// check looks at the filesystem as the image would have it.
func (img *image) check() error {
	if img.uid == 0 || img.gid == 0 {
		return fmt.Errorf("USER %d:%d: the image runs as root", img.uid, img.gid)
	}
	passwd, err := os.ReadFile(filepath.Join(img.rootfs, "etc", "passwd"))
	if err != nil {
		return fmt.Errorf("no /etc/passwd: %w", err)
	}
	home := ""
	for _, line := range strings.Split(string(passwd), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 7 && f[2] == strconv.Itoa(img.uid) && f[3] == strconv.Itoa(img.gid) {
			home = f[5]
		}
	}
	if home == "" {
		return fmt.Errorf("/etc/passwd has no user %d:%d", img.uid, img.gid)
	}
	if h := img.getenv("HOME"); h != home {
		return fmt.Errorf("HOME is %q, /etc/passwd says %q", h, home)
	}
	if o, ok := img.owners[home]; !ok || o != [2]int{img.uid, img.gid} {
		return fmt.Errorf("%s is not the user's (%v): patctl keeps its config and journal there", home, o)
	}
	if _, err := os.Stat(filepath.Join(img.rootfs, filepath.FromSlash(img.workdir))); err != nil {
		return fmt.Errorf("WORKDIR %s does not exist", img.workdir)
	}
	pemData, err := os.ReadFile(filepath.Join(img.rootfs, "etc", "ssl", "certs", "ca-certificates.crt"))
	if err != nil {
		return fmt.Errorf("no CA certificates: %w", err)
	}
	n := 0
	for block, rest := pem.Decode(pemData); block != nil; block, rest = pem.Decode(rest) {
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("a CA certificate does not parse: %w", err)
		}
		n++
	}
	if n < 100 {
		return fmt.Errorf("only %d CA certificates", n)
	}
	return img.checkEntrypoint()
}

func (img *image) checkEntrypoint() error {
	if len(img.entrypoint) == 0 {
		return errors.New("no ENTRYPOINT")
	}
	bin := filepath.Join(img.rootfs, filepath.FromSlash(img.entrypoint[0]))
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("ENTRYPOINT %s: %w", img.entrypoint[0], err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[img.platform]
	if f.Machine != want {
		return fmt.Errorf("ENTRYPOINT %s is for %v, not %s", img.entrypoint[0], f.Machine, img.platform)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("ENTRYPOINT %s is dynamically linked: a scratch image has no loader", img.entrypoint[0])
		}
	}
	fi, err := os.Stat(bin)
	if err != nil || fi.Mode()&0o001 == 0 {
		return fmt.Errorf("ENTRYPOINT %s is not executable by everyone", img.entrypoint[0])
	}
	return nil
}

// run runs the entry point with args in the image's filesystem as its user,
// as `docker run IMAGE ARGS` would (same environment, working directory and
// user; the network is the host's). Root only.
func (img *image) run(args, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd := exec.Command(img.entrypoint[0], append(img.entrypoint[1:], args...)...)
	cmd.Path = img.entrypoint[0]
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=patctl-image"}, img.env...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = img.workdir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     img.rootfs,
		Credential: &syscall.Credential{Uid: uint32(img.uid), Gid: uint32(img.gid), Groups: []uint32{}},
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// imageRunMain is `releasecheck image-run`: build the image's filesystem from
// a dist directory and run patctl in it, like `docker run --rm [-e K=V]
// [-v HOST:IMAGE:ro] IMAGE ARGS`.
func imageRunMain(argv []string) int {
	fl := flag.NewFlagSet("image-run", flag.ContinueOnError)
	dist := fl.String("dist", "dist", "goreleaser's dist `directory`")
	config := fl.String("config", ".goreleaser.yaml", "goreleaser's configuration")
	dir := fl.String("dir", "", "where to build the image's context and filesystem (required)")
	var envs, copies multiFlag
	fl.Var(&envs, "e", "an environment variable `K=V` for the container (repeatable)")
	fl.Var(&copies, "copy", "copy `HOST:IMAGE` into the image's filesystem, readable by its user (as docker run -v would mount it)")
	if err := fl.Parse(argv); err != nil {
		return 2
	}
	if *dir == "" || os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "image-run: -dir is required, and it needs root (chroot)")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "image-run:", err)
		return 125 // what docker run exits with when it cannot run the container
	}
	r, err := load(*dist, *config)
	if err != nil {
		return fail(err)
	}
	cfg, err := readDockerConfig(*config)
	if err != nil {
		return fail(err)
	}
	if err := os.RemoveAll(*dir); err != nil {
		return fail(err)
	}
	ctxDir := filepath.Join(*dir, "context")
	if err := makeContext(r, cfg, ctxDir); err != nil {
		return fail(err)
	}
	img, err := buildImage(ctxDir, runtime.GOOS+"/"+runtime.GOARCH, *dir)
	if err != nil {
		return fail(err)
	}
	if err := img.check(); err != nil {
		return fail(err)
	}
	for _, c := range copies {
		host, in, ok := strings.Cut(c, ":")
		if !ok || !path.IsAbs(in) {
			return fail(fmt.Errorf("-copy %s: want HOST:/ABSOLUTE/PATH", c))
		}
		target := filepath.Join(img.rootfs, filepath.FromSlash(in))
		if err := copyFile(host, target); err != nil {
			return fail(err)
		}
		if err := os.Chmod(target, 0o644); err != nil {
			return fail(err)
		}
	}
	code, err := img.run(fl.Args(), envs, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		return fail(err)
	}
	return code
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

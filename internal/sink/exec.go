package sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kballard/go-shellquote"
)

// DefaultExecTimeout bounds an exec: sink.
const DefaultExecTimeout = 60 * time.Second

// execSink is exec:COMMAND ARG… — a program that receives the secret on its
// stdin, never in its arguments or environment. Exit 0 means written.
type execSink struct {
	uri     string
	argv    []string
	env     Env
	timeout time.Duration
}

func parseExec(rest string, env Env) (Sink, error) {
	argv, err := shellquote.Split(rest)
	if err != nil {
		return nil, fmt.Errorf("the command cannot be split into words: %v", err)
	}
	if len(argv) == 0 {
		return nil, errors.New("a command is required (exec:COMMAND ARG…)")
	}
	timeout := env.ExecTimeout
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	return &execSink{uri: "exec:" + rest, argv: argv, env: env, timeout: timeout}, nil
}

func (x *execSink) String() string { return x.uri }

func (x *execSink) Preflight(context.Context) error {
	if _, err := exec.LookPath(x.argv[0]); err != nil {
		return errorf(x, "%s is not a program that can be run: %v", x.argv[0], errors.Unwrap(err))
	}
	return nil
}

// environWithout is patctl's environment less a variable: the program gets
// the new PAT on stdin, and no other secret of patctl's.
func environWithout(name string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func (x *execSink) Write(ctx context.Context, s Secret) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, x.argv[0], x.argv[1:]...)
	cmd.Stdin = strings.NewReader(s.Value)
	// Its output is for people, and stdout is patctl's own.
	cmd.Stdout, cmd.Stderr = x.env.Stderr, x.env.Stderr
	cmd.Env = environWithout("PATCTL_TOKEN")
	if s.ID != "" {
		cmd.Env = append(cmd.Env,
			"PATCTL_PAT_ID="+s.ID,
			"PATCTL_PAT_NAME="+s.Name,
			"PATCTL_PAT_EXPIRES="+s.ExpiresAt.UTC().Format(time.RFC3339),
		)
	}
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", errorf(x, "no answer within %s", x.timeout)
		}
		return "", errorf(x, "%v", err)
	}
	return "", nil
}

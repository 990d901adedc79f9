// Command gen-docs writes patctl's command reference, man pages and shell
// completions from the command tree.
//
//	go run ./cmd/gen-docs --markdown docs/commands
//	go run ./cmd/gen-docs --man dist/man --completions dist/completions
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/patctl/patctl/internal/cli/docgen"
)

func main() {
	markdown := flag.String("markdown", "", "write Markdown pages into this `dir`")
	man := flag.String("man", "", "write man pages into this `dir`")
	completions := flag.String("completions", "", "write shell completion scripts into this `dir`")
	flag.Parse()
	if *markdown == "" && *man == "" && *completions == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen-docs [--markdown DIR] [--man DIR] [--completions DIR]")
		os.Exit(2)
	}
	for _, step := range []struct {
		dir string
		gen func(string) error
	}{{*markdown, docgen.GenerateMarkdown}, {*man, docgen.GenerateMan}, {*completions, docgen.GenerateCompletions}} {
		if step.dir == "" {
			continue
		}
		if err := step.gen(step.dir); err != nil {
			fmt.Fprintln(os.Stderr, "gen-docs:", err)
			os.Exit(1)
		}
	}
}

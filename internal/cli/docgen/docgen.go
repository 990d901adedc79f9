// Package docgen writes patctl's command reference, man pages and shell
// completions from the command tree. It is kept out of the patctl binary:
// only cmd/gen-docs and the tests use it.
package docgen

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/patctl/patctl/internal/cli"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

// docsRoot is the command tree as documentation sees it: built without any
// environment, so that nothing of this machine shows in the pages.
func docsRoot() *cobra.Command {
	f := cmdutil.New(iostreams.New(nil, io.Discard, io.Discard), func(string) string { return "" }, nil)
	root := cli.NewRootCmd(f)
	root.InitDefaultCompletionCmd()
	return root
}

// GenerateMarkdown writes one Markdown page per command into dir.
func GenerateMarkdown(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenMarkdownTree(docsRoot(), dir)
}

// GenerateMan writes one man page per command into dir.
func GenerateMan(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenManTree(docsRoot(), &doc.GenManHeader{Title: "PATCTL", Section: "1", Source: "patctl", Manual: "patctl manual"}, dir)
}

// GenerateCompletions writes the completion scripts for every shell cobra
// supports into dir.
func GenerateCompletions(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := docsRoot()
	for name, gen := range map[string]func(io.Writer) error{
		"patctl.bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"_patctl":     root.GenZshCompletion,
		"patctl.fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
		"patctl.ps1":  root.GenPowerShellCompletionWithDesc,
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := gen(f); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Command patctl manages Azure DevOps personal access tokens.
package main

import (
	"os"

	"github.com/patctl/patctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Package regexpx compiles regular expressions on first use, not at start-up:
// every patctl run pays for package initialisation, few use each pattern.
package regexpx

import (
	"regexp"
	"sync"
)

// Lazy returns a function that compiles pattern once, when first called.
func Lazy(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

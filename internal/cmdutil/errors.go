// Package cmdutil holds what every command shares: the factory of lazy
// dependencies, the error types that decide exit codes, flag helpers.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes. They are documented (`patctl help exit-codes`) and scripts rely
// on them.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitAuth        = 4
	ExitAmbiguous   = 5
	ExitRefused     = 6
	ExitRotateHalf  = 7
	ExitExpiring    = 8
	ExitUnfinished  = 9
	ExitChanges     = 10 // plan --exit-code: something would change
	ExitInterrupted = 130
)

// FlagError is bad input on the command line: exit 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf formats a FlagError; name the flag in the message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent ends a command with exit 1 after it has said what went wrong.
var ErrSilent = errors.New("silent error")

// ExitCodeError ends a command with a given exit code and message.
type ExitCodeError struct {
	Code int
	Err  error
}

func (e *ExitCodeError) Error() string { return e.Err.Error() }
func (e *ExitCodeError) Unwrap() error { return e.Err }

// Package proc tells whether a process still runs: what decides whether a
// file or a journal entry left by a process is abandoned.
package proc

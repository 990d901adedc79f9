//go:build !linux

package main

// stopSelf: the tests that stop patctl at a stage run on Linux only.
func stopSelf() {}

package main

// stopSelf: Windows has no SIGSTOP; the signal tests run elsewhere.
func stopSelf() {}

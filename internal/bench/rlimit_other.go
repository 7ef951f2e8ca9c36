//go:build !unix

package bench

import "log/slog"

// raiseFileLimit does nothing where there is no RLIMIT_NOFILE.
func raiseFileLimit(*slog.Logger) {}

// fileLimit returns 0: unknown.
func fileLimit() uint64 { return 0 }

//go:build unix

package bench

import (
	"log/slog"
	"syscall"
)

// raiseFileLimit raises the soft limit on open files to the hard limit,
// as far as the system allows, so the process can hold one descriptor per
// connection. (Go raises it at startup on some systems already; this makes
// sure and says what the limit is.)
func raiseFileLimit(log *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("bench: cannot read the open-file limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			log.Warn("bench: cannot raise the open-file limit", "soft", lim.Cur, "hard", lim.Max, "err", err)
			return
		}
		lim = want
	}
	log.Debug("bench: open-file limit", "soft", lim.Cur, "hard", lim.Max)
}

// fileLimit returns the soft limit on open files, or 0 when unknown.
func fileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return lim.Cur
}

//go:build !unix

package app

import "os"

// tryLock does not lock where flock is missing: Parley is built and
// tested for Unix; elsewhere one process per data directory is on the
// operator.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }

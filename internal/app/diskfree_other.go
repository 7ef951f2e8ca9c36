//go:build !unix

package app

import "errors"

// freeDiskBytes is not measured off Unix; readiness then relies on failed
// writes alone.
func freeDiskBytes(string) (uint64, error) { return 0, errors.ErrUnsupported }

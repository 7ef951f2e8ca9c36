package account

import (
	"github.com/parley-im/parley/internal/im"
)

// MaxBatch is the most accounts one import, delete, check or profile read
// may name: the reference's limit for those commands.
const MaxBatch = 100

// ItemResult is the outcome of a batch command for one account of its
// input, in input order.
type ItemResult struct {
	UserID string
	Code   int    // 0 on success, else a reference code (70107, 70402, ...)
	Info   string // readable reason when Code is not 0
}

// checkAccountBatch rejects an account batch of unusable size.
//
// An empty batch is 70402 (invalid parameter): the required list is
// missing, which is what the reference answers for a missing field. More
// than MaxBatch is 70206, the 70xxx table's "invalid batch size": it names
// exactly this condition, whereas 70402 would hide which limit was broken
// and 70398 is about the plan's total account count, not the call.
func checkAccountBatch(n int) error {
	switch {
	case n == 0:
		return im.Errorf(im.CodeInvalidParameter, "no accounts given")
	case n > MaxBatch:
		return im.Errorf(im.CodeBatchSize, "%d accounts given, at most %d per call", n, MaxBatch)
	}
	return nil
}

// badUserID is the *im.Error for an unusable UserID under the given code.
func badUserID(code int, userID string, err error) *im.Error {
	return im.Errorf(code, "%v (got %q)", err, userID)
}

// unique returns ids without repeats, keeping first occurrences in order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// maxIDsPerStatement bounds the IN lists and multi-row VALUES lists of one
// statement, keeping far below SQLite's and PostgreSQL's parameter limits.
// Longer inputs are split into several statements of one transaction.
const maxIDsPerStatement = 500

// placeholders returns "$first, $first+1, ..." with n entries.
func placeholders(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	return b.String()
}

// valuesRows returns n rows of VALUES tuples for rows with width own
// parameters each, numbered from first; shared is a prefix of fixed
// placeholders repeated in every row (e.g. "$1, ").
func valuesRows(shared string, first, width, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + shared + placeholders(first+i*width, width) + ")")
	}
	return b.String()
}

// appKey is the stored form of an SDKAppID. IDs above MaxInt64 cannot be
// created (CreateApp refuses them) and map to negative keys, which match
// nothing.
func appKey(sdkAppID uint64) int64 { return int64(sdkAppID) }

// millis is the stored form of a time.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts a stored time back, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// orEmpty keeps NOT NULL byte columns from receiving NULL for a nil slice.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// dedupe returns the distinct strings of s in first-seen order.
func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// anys converts strings to query arguments after the given prefix.
func anys(prefix []any, s []string) []any {
	out := make([]any, 0, len(prefix)+len(s))
	out = append(out, prefix...)
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

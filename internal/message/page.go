package message

import "github.com/parley-im/parley/internal/store"

// PageEntryBytes is how much a stored message counts against a page's byte
// bound: its stored document (body, CloudCustomData, sender profile,
// push settings) plus its two accounts plus PageEntryOverhead. It is read
// off what the store returned, without encoding anything; it is close to,
// and for content-heavy messages at least, the entry's size on the wire.
func PageEntryBytes(r *store.C2CMessage) int {
	return len(r.Doc) + len(r.From) + len(r.To) + PageEntryOverhead
}

// pageBudget fills a page up to a byte bound.
type pageBudget struct {
	limit, used, entries int
}

// take counts r against the page and reports whether it fits: the first
// entry always does, so every page makes progress; a later one only if
// the page stays within the bound with it.
func (b *pageBudget) take(r *store.C2CMessage) bool {
	n := PageEntryBytes(r)
	if b.entries > 0 && b.used+n > b.limit {
		return false
	}
	b.used += n
	b.entries++
	return true
}

package message

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// SyncPage is one page of a user's sync stream.
type SyncPage struct {
	// Entries are messages to or from the user, ascending by SyncSeq
	// (each Message.SyncSeq set), at most OfflineCachePerPeer per
	// conversation among everything after the requested position, each
	// in its current state (Recalled, Modified). An entry with Revision
	// re-announces a message that was recalled or modified after the
	// position passed its own entry; it is not a new message.
	Entries []Message
	// Head is the user's latest sync seq when the page was read.
	Head uint64
	// Next is the position to ask for next: the last entry's SyncSeq, or,
	// once Complete, Head (so entries skipped by the per-conversation cap
	// are not scanned again, and a position beyond the head is brought
	// back to it). Next never passes the head: a client that followed a
	// position past it would skip the entries still to come.
	Next uint64
	// Complete: nothing after Next was committed when the page was read;
	// the client is in sync and live events carry on from here.
	Complete bool
}

// Sync returns the user's messages after the sync position after, in
// commit order, in pages of limit (DefaultSyncLimit when <= 0, at most
// MaxSyncLimit) and of at most the service's page bytes (DefaultPageBytes,
// measured by PageEntryBytes; at least one entry). A reconnecting client
// calls it with its last SyncSeq until Complete, then relies on live
// events; following Next it gets every entry once, without gaps. The same
// call gives a new device the offline cache. Per conversation it returns at
// most the latest OfflineCachePerPeer messages among those after the
// position; older ones are reachable through History, and unread counts
// still count them.
//
// Codes: 90010 after beyond im.MaxSeq.
func (s *Service) Sync(ctx context.Context, sdkAppID uint64, user string, after uint64, limit int) (SyncPage, error) {
	if err := im.CheckSeq("After", after, im.CodeMsgFormat); err != nil {
		return SyncPage{}, err
	}
	if limit <= 0 {
		limit = DefaultSyncLimit
	}
	limit = min(limit, MaxSyncLimit)
	// The head is read first: whatever it counts is committed, so a page
	// that comes back short really reached it.
	head, err := s.store.SyncHead(ctx, sdkAppID, user)
	if err != nil {
		return SyncPage{}, fmt.Errorf("message: sync head of %q in app %d: %w", user, sdkAppID, err)
	}
	entries, err := s.store.ReadSync(ctx, sdkAppID, user, store.SyncQuery{After: after, Limit: limit, PerPeer: OfflineCachePerPeer})
	if err != nil {
		return SyncPage{}, fmt.Errorf("message: sync of %q in app %d: %w", user, sdkAppID, err)
	}
	page := SyncPage{Entries: make([]Message, 0, len(entries)), Head: head}
	budget := pageBudget{limit: s.pageBytes}
	for i := range entries {
		e := &entries[i]
		if !budget.take(&e.Msg) {
			// The entries left out come first on the next page: their
			// SyncSeqs are after Next.
			return page, nil
		}
		m, err := fromStored(e.Msg, e.SyncSeq)
		if err != nil {
			return SyncPage{}, err
		}
		m.Revision = e.Revision
		page.Entries = append(page.Entries, m)
		page.Next = e.SyncSeq
	}
	if len(entries) < limit {
		// Entries committed after the head was read may be on the page;
		// otherwise the head, even when the caller asked from beyond it.
		page.Complete = true
		page.Next = max(page.Next, head)
	}
	return page, nil
}

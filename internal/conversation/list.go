package conversation

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Page sizes of List.
//
// A page is bounded in bytes by its count: an entry carries no message
// content, only a conversation ID of at most im.MaxGroupIDBytes and six
// numbers, so a
// full page encodes to well under MaxListPageBytes on either edge.
const (
	DefaultListLimit = 100
	MaxListLimit     = 100
	// MaxListPageBytes is the most a full page takes encoded (documented
	// bound; a test checks it).
	MaxListPageBytes = 16 << 10
)

// Cursor is a position in a user's recent-contacts list, which is ordered
// by UpdatedAt (newest first) and, among equal UpdatedAt, by kind and ID.
//
// It maps onto the reference's recentcontact/get_list cursor fields:
// TimeStamp is UpdatedAt, in Unix milliseconds (the reference's unit is not
// documented; clients echo it back unchanged), and StartIndex is Index, how
// many conversations with exactly that UpdatedAt the previous pages
// already returned. The zero Cursor is the first page.
type Cursor struct {
	UpdatedAt int64
	Index     int
}

// ListRequest asks List for one page.
type ListRequest struct {
	SDKAppID uint64
	Owner    string
	Cursor   Cursor
	// Limit is the page size (DefaultListLimit when <= 0, at most
	// MaxListLimit).
	Limit int
	// IncludeEmpty also lists conversations without a last message
	// (get_list AssistFlags bit 1).
	IncludeEmpty bool
}

// Page is one page of recent contacts.
type Page struct {
	Conversations []Conversation
	// Next is the cursor of the next page.
	Next Cursor
	// Complete: this page reaches the end of the list.
	Complete bool
}

// List returns a page of the owner's recent contacts, most recently
// updated first. Codes: 70402 a malformed Owner; 70107 not an account.
func (s *Service) List(ctx context.Context, req ListRequest) (Page, error) {
	if err := s.checkUsers(ctx, req.SDKAppID, req.Owner); err != nil {
		return Page{}, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	w := walk{start: req.Cursor, pos: Cursor{UpdatedAt: req.Cursor.UpdatedAt}, includeEmpty: req.IncludeEmpty}
	if req.Cursor.UpdatedAt == 0 {
		w.start = Cursor{}
	}
	// Store pages are read with the store's own (UpdatedAt, ConvID)
	// cursor; w translates them into the (UpdatedAt, Index) cursor.
	before, after := w.start.UpdatedAt, im.ConvID{}
	// Index is the caller's; bounded here so the sum cannot overflow.
	batch := min(limit+1+min(w.start.Index, 1000), 1000)
	for {
		convs, err := s.store.ListConversations(ctx, req.SDKAppID, req.Owner, before, after, batch)
		if err != nil {
			return Page{}, fmt.Errorf("conversation: list of %q in app %d: %w", req.Owner, req.SDKAppID, err)
		}
		for _, c := range convs {
			if w.take(c, limit) {
				return w.page(false), nil
			}
			before, after = c.UpdatedAt, c.Conv
		}
		if len(convs) < batch {
			return w.page(true), nil
		}
	}
}

// walk consumes the store's entries in order, skipping those the cursor
// says were returned already and, unless includeEmpty, those without a
// last message, and tracks the cursor after the last entry it kept.
type walk struct {
	start        Cursor
	pos          Cursor // position after the last entry consumed
	next         Cursor // position after the last entry kept
	out          []Conversation
	includeEmpty bool
}

// take consumes c and reports whether the page is full: c would be entry
// limit+1, so it is not kept and more entries exist.
func (w *walk) take(c store.Conversation, limit int) bool {
	if c.UpdatedAt == w.pos.UpdatedAt {
		w.pos.Index++
	} else {
		w.pos = Cursor{UpdatedAt: c.UpdatedAt, Index: 1}
	}
	if w.start.UpdatedAt != 0 && c.UpdatedAt == w.start.UpdatedAt && w.pos.Index <= w.start.Index {
		return false // returned by an earlier page
	}
	if c.LastSeq == 0 && !w.includeEmpty {
		return false
	}
	if len(w.out) == limit {
		return true
	}
	w.out = append(w.out, fromStore(c))
	w.next = w.pos
	return false
}

func (w *walk) page(complete bool) Page {
	p := Page{Conversations: w.out, Next: w.next, Complete: complete}
	if p.Conversations == nil {
		p.Conversations = []Conversation{}
	}
	switch {
	case complete && w.pos.Index > 0:
		p.Next = w.pos
	case complete:
		p.Next = w.start // nothing consumed: stay where the caller was
	}
	return p
}

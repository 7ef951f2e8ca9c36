package im

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ConvKind is the kind of a conversation. Its values are the reference's
// conversation Type (recentcontact SessionItem.Type and delete's Type), so
// the edges pass them through unchanged.
type ConvKind uint8

// Conversation kinds.
const (
	// ConvC2C is a one-to-one conversation.
	ConvC2C ConvKind = 1
	// ConvGroup is a group's conversation.
	ConvGroup ConvKind = 2
)

// String returns "c2c", "group", or "kind(N)" for an unknown kind.
func (k ConvKind) String() string {
	switch k {
	case ConvC2C:
		return "c2c"
	case ConvGroup:
		return "group"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ConvID names a conversation from one user's point of view: for ConvC2C,
// ID is the other participant's UserID; for ConvGroup, the GroupId. It is
// comparable and serves as a map key. The zero ConvID names no
// conversation.
type ConvID struct {
	Kind ConvKind
	ID   string
}

// C2C returns the ConvID of the one-to-one conversation with peer.
func C2C(peer string) ConvID { return ConvID{Kind: ConvC2C, ID: peer} }

// Group returns the ConvID of the group's conversation.
func Group(groupID string) ConvID { return ConvID{Kind: ConvGroup, ID: groupID} }

// String returns the kind and ID joined by a colon ("c2c:bob",
// "group:@TGS#1"): the form ParseConvID reads.
func (c ConvID) String() string { return c.Kind.String() + ":" + c.ID }

// ErrBadConvID is wrapped by ParseConvID's and ConvID.Check's errors.
var ErrBadConvID = errors.New("invalid conversation")

// ParseConvID reads the form String writes. It checks the kind only; Check
// validates the ID.
func ParseConvID(s string) (ConvID, error) {
	kind, id, ok := strings.Cut(s, ":")
	if !ok {
		return ConvID{}, fmt.Errorf("%w: %.60q has no kind prefix", ErrBadConvID, s)
	}
	switch kind {
	case "c2c":
		return C2C(id), nil
	case "group":
		return Group(id), nil
	}
	return ConvID{}, fmt.Errorf("%w: unknown kind %.20q", ErrBadConvID, kind)
}

// MaxGroupIDBytes is the longest GroupId accepted: the reference's bound
// for custom GroupIds (assigned ones are shorter).
const MaxGroupIDBytes = 48

// Check reports whether c names a conversation that can exist: a known
// kind with a valid UserID (C2C) or a non-empty GroupId of at most
// MaxGroupIDBytes printable ASCII characters (group). Its errors wrap
// ErrBadConvID (and ErrBadUserID for a C2C peer).
func (c ConvID) Check() error {
	switch c.Kind {
	case ConvC2C:
		if err := CheckUserID(c.ID); err != nil {
			return fmt.Errorf("%w: %w", ErrBadConvID, err)
		}
		return nil
	case ConvGroup:
		switch {
		case c.ID == "":
			return fmt.Errorf("%w: empty GroupId", ErrBadConvID)
		case len(c.ID) > MaxGroupIDBytes:
			return fmt.Errorf("%w: GroupId of %d bytes, at most %d allowed", ErrBadConvID, len(c.ID), MaxGroupIDBytes)
		}
		for i := 0; i < len(c.ID); i++ {
			if b := c.ID[i]; b < 0x20 || b > 0x7e {
				r, _ := utf8.DecodeRuneInString(c.ID[i:])
				return fmt.Errorf("%w: GroupId contains %U, only printable ASCII allowed", ErrBadConvID, r)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %d", ErrBadConvID, uint8(c.Kind))
}

package conversation

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// DeleteRequest asks Delete to remove a conversation from the owner's list.
type DeleteRequest struct {
	SDKAppID uint64
	Owner    string
	Conv     im.ConvID
	// ClearHistory also clears the owner's history of the conversation
	// (recentcontact/delete ClearRamble 1): the owner's history and sync no
	// longer show anything up to the conversation's last message, even if
	// the conversation comes back with a new message. The peer's copy is
	// untouched.
	ClearHistory bool
	// Session is the deleting WebSocket session, which gets no event.
	Session string
}

// Delete removes the conversation from the owner's recent contacts (a
// missing one is not an error). The owner's other devices get
// protocol.EventConversationDeleted, and protocol.EventUnreadChanged if it
// had unread messages.
//
// Codes: 70402 malformed UserIDs or conversation; 70107 Owner or the C2C
// peer is not an account.
func (s *Service) Delete(ctx context.Context, req DeleteRequest) error {
	if err := s.checkConv(ctx, req.SDKAppID, req.Owner, req.Conv); err != nil {
		return err
	}
	prev, existed, err := s.get(ctx, req.SDKAppID, req.Owner, req.Conv)
	if err != nil {
		return err
	}
	if err := s.store.DeleteConversation(ctx, req.SDKAppID, req.Owner, req.Conv, req.ClearHistory); err != nil {
		return fmt.Errorf("conversation: delete %q's %v in app %d: %w", req.Owner, req.Conv, req.SDKAppID, err)
	}
	if !existed {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	ev := protocol.ConversationDeleted{}
	ev.Type, ev.Peer, ev.GroupID = wireConv(req.Conv)
	if req.ClearHistory {
		ev.ClearRamble = 1
	}
	s.publish(ctx, req.SDKAppID, req.Owner, protocol.EventConversationDeleted, req.Session, ev)
	if prev.Unread > 0 {
		ev := protocol.UnreadChanged{}
		ev.Type, ev.Peer, ev.GroupID = wireConv(req.Conv)
		s.unreadChanged(ctx, req.SDKAppID, req.Owner, req.Session, ev)
	}
	return nil
}

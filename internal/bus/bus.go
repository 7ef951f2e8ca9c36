// Package bus is the delivery port: it carries events for a user's online
// sessions to whichever nodes hold them. Delivery is fire-and-forget on top
// of durable storage: an event may be lost or duplicated under failure, and
// clients repair by syncing from their last sequence. Implementations live
// in sub-packages (local, later natsbus) and pass the contract suite in
// bustest.
package bus

import (
	"context"
	"errors"
)

// ErrClosed is returned by a closed bus.
var ErrClosed = errors.New("bus: closed")

// Event is one thing to tell a user's sessions, or, when Control is set,
// an order for the gateways that hold them.
type Event struct {
	// Name is the protocol event name, e.g. "message", "kicked". It is
	// empty in a control order.
	Name string
	// Control, when set, makes the event an order for the gateways that
	// hold the user's sessions (e.g. "kick"), which no client ever
	// receives; Data is then the order's payload. It travels apart from
	// Name, so no client event name, whatever it looks like, is ever taken
	// for an order. A network bus carries it as its own field (a message
	// header), on the user's subject, so that orders and events from one
	// publisher stay in publish order.
	Control string
	// Data is the event's JSON payload, encoded once by the publisher and
	// shared, unmodified, by every node and session that delivers it.
	Data []byte
	// ExceptSession, when set, is a session ID that must not receive the
	// event (the sending device, which already has the answer).
	ExceptSession string
	// OnlySession, when set, is the only session ID that receives it.
	OnlySession string
}

// Handler receives the events of one subscription. It may be called from
// the publisher's goroutine (the local bus) or a delivery goroutine (a
// network bus), never while the bus holds a lock that SubscribeUser or
// Unsubscribe take, so it may call the bus. It must not block: hand the
// event to the session's bounded queue and return. A delivery already under
// way may still arrive after Unsubscribe returns.
type Handler func(sdkAppID uint64, userID string, ev Event)

// Subscription is a node's interest in one user's events.
type Subscription interface {
	// Unsubscribe stops delivery; it is idempotent.
	Unsubscribe() error
}

// Bus publishes events to users and lets a node subscribe to the users
// whose sessions it holds. It is safe for concurrent use.
type Bus interface {
	// PublishUser sends ev to every subscription for the user, on every node.
	PublishUser(ctx context.Context, sdkAppID uint64, userID string, ev Event) error
	// SubscribeUser registers h for the user's events until Unsubscribe.
	// A node subscribes once per user and fans out to its local sessions.
	SubscribeUser(sdkAppID uint64, userID string, h Handler) (Subscription, error)
	// Close stops delivery and releases resources.
	Close() error
}

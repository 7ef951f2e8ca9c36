package account

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// NoSpeakingForever is the duration, in seconds, that mutes a user until
// unmuted (the reference's 4294967295).
const NoSpeakingForever = math.MaxUint32

// The global mute is kept as two profile items of the account under tags
// no client may name (resolveTags knows only Tag_Profile_IM_* and declared
// Tag_Profile_Custom_* tags): so it lives and dies with the account, costs
// no schema of its own, and is read through the store's account cache on
// every user send. Each value is the Unix millisecond at which the mute
// ends, as a JSON number; noSpeakingForever never ends; absent, zero or
// past means not muted.
const (
	tagNoSpeakingC2C   = "Parley_NoSpeaking_C2C"
	tagNoSpeakingGroup = "Parley_NoSpeaking_Group"
	noSpeakingForever  = math.MaxInt64
)

// NoSpeaking is a user's global mute as the reference's getnospeaking
// answers it: the seconds each kind of message stays muted from now, 0
// when not muted, NoSpeakingForever when muted until unmuted.
type NoSpeaking struct {
	C2C, Group uint64
}

// SetNoSpeaking mutes or unmutes userID's C2C messages, group messages or
// both, for the given seconds from now (0 unmutes, NoSpeakingForever mutes
// until unmuted); a nil duration leaves that kind as it is. Codes: 70402
// an invalid UserID, neither duration given, a duration above
// NoSpeakingForever; 70107 the account does not exist.
func (s *Service) SetNoSpeaking(ctx context.Context, sdkAppID uint64, userID string, c2c, group *uint64) error {
	if err := im.CheckUserID(userID); err != nil {
		return badUserID(im.CodeInvalidParameter, userID, err)
	}
	if c2c == nil && group == nil {
		return im.Errorf(im.CodeInvalidParameter, "neither C2CmsgNospeakingTime nor GroupmsgNospeakingTime given")
	}
	now := s.now()
	var items []store.ProfileItem
	for _, d := range []struct {
		tag     string
		seconds *uint64
	}{{tagNoSpeakingC2C, c2c}, {tagNoSpeakingGroup, group}} {
		if d.seconds == nil {
			continue
		}
		if *d.seconds > NoSpeakingForever {
			return im.Errorf(im.CodeInvalidParameter, "no-speaking time %d s is over %d", *d.seconds, uint64(NoSpeakingForever))
		}
		items = append(items, store.ProfileItem{Tag: d.tag, Value: strconv.AppendInt(nil, muteEnd(now, *d.seconds), 10)})
	}
	err := s.store.SetProfile(ctx, sdkAppID, userID, items)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return im.Errorf(im.CodeAccountNotFound, "account %q does not exist", userID)
	case err != nil:
		return fmt.Errorf("account: set no-speaking of %q in app %d: %w", userID, sdkAppID, err)
	}
	return nil
}

// GetNoSpeaking returns userID's global mute. Codes: 70402 an invalid
// UserID; 70107 the account does not exist.
func (s *Service) GetNoSpeaking(ctx context.Context, sdkAppID uint64, userID string) (NoSpeaking, error) {
	if err := im.CheckUserID(userID); err != nil {
		return NoSpeaking{}, badUserID(im.CodeInvalidParameter, userID, err)
	}
	ends, ok, err := s.muteEnds(ctx, sdkAppID, userID)
	if err != nil {
		return NoSpeaking{}, err
	}
	if !ok {
		return NoSpeaking{}, im.Errorf(im.CodeAccountNotFound, "account %q does not exist", userID)
	}
	now := s.now()
	return NoSpeaking{C2C: remaining(now, ends[0]), Group: remaining(now, ends[1])}, nil
}

// CheckSpeaking refuses a user's message to conv while the user is
// globally muted for that kind of conversation: C2C with 20012. Group
// messages are the group service's to refuse (with its own code) once it
// exists, so any other kind passes here. A sender that is not an account
// passes: the send's validation refuses it.
func (s *Service) CheckSpeaking(ctx context.Context, sdkAppID uint64, userID string, conv im.ConvID) error {
	if conv.Kind != im.ConvC2C {
		return nil
	}
	ends, _, err := s.muteEnds(ctx, sdkAppID, userID)
	if err != nil {
		return err
	}
	if s.now().UnixMilli() < ends[0] {
		return im.Errorf(im.CodeC2CSenderMuted, "%q is muted", userID)
	}
	return nil
}

// muteEnds reads when userID's C2C and group mutes end (Unix ms, 0 when
// never set); ok is false if the account does not exist.
func (s *Service) muteEnds(ctx context.Context, sdkAppID uint64, userID string) (ends [2]int64, ok bool, err error) {
	found, err := s.store.GetProfiles(ctx, sdkAppID, []string{userID}, []string{tagNoSpeakingC2C, tagNoSpeakingGroup})
	if err != nil {
		return ends, false, fmt.Errorf("account: read no-speaking of %q in app %d: %w", userID, sdkAppID, err)
	}
	items, ok := found[userID]
	for _, it := range items {
		end, err := strconv.ParseInt(string(it.Value), 10, 64)
		if err != nil {
			return ends, ok, fmt.Errorf("account: no-speaking of %q in app %d: stored value %q: %w", userID, sdkAppID, it.Value, err)
		}
		switch it.Tag {
		case tagNoSpeakingC2C:
			ends[0] = end
		case tagNoSpeakingGroup:
			ends[1] = end
		}
	}
	return ends, ok, nil
}

// muteEnd is the stored end of a mute of seconds from now.
func muteEnd(now time.Time, seconds uint64) int64 {
	switch seconds {
	case 0:
		return 0
	case NoSpeakingForever:
		return noSpeakingForever
	}
	return now.UnixMilli() + int64(seconds)*1000
}

// remaining is the whole seconds, rounded up, from now until a mute ending
// at end (Unix ms).
func remaining(now time.Time, end int64) uint64 {
	if end == noSpeakingForever {
		return NoSpeakingForever
	}
	left := end - now.UnixMilli()
	if left <= 0 {
		return 0
	}
	return uint64((left + 999) / 1000)
}

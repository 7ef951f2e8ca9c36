package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// ProfileItem is one profile tag and its value as JSON: a JSON string for
// string tags, a JSON integer for integer tags.
type ProfileItem struct {
	Tag   string
	Value json.RawMessage
}

// UserProfile is one account's answer to GetPortrait.
type UserProfile struct {
	UserID string
	// Items holds every requested tag in request order; a tag never set has
	// its initial value ("" or 0, or the first value of an enumeration:
	// Gender_Type_Unknown, AllowType_Type_NeedConfirm, AdminForbid_Type_None).
	// Empty when Code is not 0.
	Items []ProfileItem
	Code  int    // 0, or 40003 when the account does not exist
	Info  string // readable reason when Code is not 0
}

// SetPortrait sets profile tags of an existing account atomically; nothing
// is written unless every item is valid. Codes: 40002 no UserID; 40001
// invalid UserID, no items, a tag given twice, a missing Value; 40009
// unknown tag or undeclared custom tag; 40610, 40601, 40605 bad values (see
// normalize); 40003 the account does not exist.
func (s *Service) SetPortrait(ctx context.Context, sdkAppID uint64, userID string, items []ProfileItem) error {
	if err := checkProfileUser(userID); err != nil {
		return err
	}
	stored, err := s.validateItems(ctx, sdkAppID, items)
	if err != nil {
		return err
	}
	err = s.store.SetProfile(ctx, sdkAppID, userID, stored)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return im.Errorf(im.CodeProfileNotFound, "account %q does not exist", userID)
	case err != nil:
		return fmt.Errorf("account: set profile of %q in app %d: %w", userID, sdkAppID, err)
	}
	return nil
}

// GetPortrait reads the given tags of up to MaxBatch accounts, one result
// per distinct UserID in request order. Accounts that do not exist (or
// whose UserID is invalid) get Code 40003 and are also returned in failed;
// the others are still answered. Call-level codes: 40002 no UserIDs; 40001
// more than MaxBatch UserIDs, no tags, an empty tag name; 40009 unknown
// tag or undeclared custom tag. A tag requested twice is answered once.
func (s *Service) GetPortrait(ctx context.Context, sdkAppID uint64, userIDs, tags []string) (profiles []UserProfile, failed []string, err error) {
	if err := checkPortraitRequest(userIDs, tags); err != nil {
		return nil, nil, err
	}
	tags = unique(tags)
	specs, err := s.resolveTags(ctx, sdkAppID, tags)
	if err != nil {
		return nil, nil, err
	}
	userIDs = unique(userIDs)
	found, err := s.profiles(ctx, sdkAppID, validUserIDs(userIDs), tags)
	if err != nil {
		return nil, nil, err
	}
	failed = []string{}
	profiles = make([]UserProfile, len(userIDs))
	for i, id := range userIDs {
		items, ok := found[id]
		if !ok {
			profiles[i] = missingProfile(id)
			failed = append(failed, id)
			continue
		}
		profiles[i] = UserProfile{UserID: id, Items: answer(tags, specs, items)}
	}
	return profiles, failed, nil
}

// profiles reads the tags of the existing accounts among the valid userIDs.
func (s *Service) profiles(ctx context.Context, sdkAppID uint64, userIDs, tags []string) (map[string][]store.ProfileItem, error) {
	if len(userIDs) == 0 {
		return map[string][]store.ProfileItem{}, nil
	}
	found, err := s.store.GetProfiles(ctx, sdkAppID, userIDs, tags)
	if err != nil {
		return nil, fmt.Errorf("account: get profiles of %d accounts in app %d: %w", len(userIDs), sdkAppID, err)
	}
	return found, nil
}

// missingProfile is the answer for an account that does not exist.
func missingProfile(userID string) UserProfile {
	info := "account does not exist"
	if err := im.CheckUserID(userID); err != nil {
		info = badUserID(im.CodeProfileNotFound, userID, err).Info
	}
	return UserProfile{UserID: userID, Items: []ProfileItem{}, Code: im.CodeProfileNotFound, Info: info}
}

// checkProfileUser checks the account a profile write is for.
func checkProfileUser(userID string) error {
	if userID == "" {
		return im.Errorf(im.CodeProfileNoAccount, "no account given")
	}
	if err := im.CheckUserID(userID); err != nil {
		return badUserID(im.CodeProfileBadParams, userID, err)
	}
	return nil
}

// checkPortraitRequest checks GetPortrait's call-level limits.
func checkPortraitRequest(userIDs, tags []string) error {
	switch {
	case len(userIDs) == 0:
		return im.Errorf(im.CodeProfileNoAccount, "no accounts given")
	case len(userIDs) > MaxBatch:
		return im.Errorf(im.CodeProfileBadParams, "%d accounts given, at most %d per call", len(userIDs), MaxBatch)
	case len(tags) == 0:
		return im.Errorf(im.CodeProfileBadParams, "no tags given")
	}
	return nil
}

// validateItems checks every item of a profile write and returns them in
// the store's form.
func (s *Service) validateItems(ctx context.Context, sdkAppID uint64, items []ProfileItem) ([]store.ProfileItem, error) {
	if len(items) == 0 {
		return nil, im.Errorf(im.CodeProfileBadParams, "no profile items given")
	}
	tags := make([]string, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if seen[it.Tag] {
			return nil, im.Errorf(im.CodeProfileBadParams, "tag %q given twice", it.Tag)
		}
		seen[it.Tag] = true
		tags[i] = it.Tag
	}
	specs, err := s.resolveTags(ctx, sdkAppID, tags)
	if err != nil {
		return nil, err
	}
	stored := make([]store.ProfileItem, len(items))
	for i, it := range items {
		value, err := specs[i].normalize(it.Tag, it.Value)
		if err != nil {
			return nil, err
		}
		stored[i] = store.ProfileItem{Tag: it.Tag, Value: value}
	}
	return stored, nil
}

// resolveTags returns the spec of each tag, in order.
func (s *Service) resolveTags(ctx context.Context, sdkAppID uint64, tags []string) ([]tagSpec, error) {
	r := tagResolver{svc: s, sdkAppID: sdkAppID}
	specs := make([]tagSpec, len(tags))
	for i, tag := range tags {
		spec, err := r.resolve(ctx, tag)
		if err != nil {
			return nil, err
		}
		specs[i] = spec
	}
	return specs, nil
}

// answer lists the requested tags in order with their stored values, or
// their initial values when never set.
func answer(tags []string, specs []tagSpec, stored []store.ProfileItem) []ProfileItem {
	values := make(map[string][]byte, len(stored))
	for _, it := range stored {
		values[it.Tag] = it.Value
	}
	out := make([]ProfileItem, len(tags))
	for i, tag := range tags {
		v, ok := values[tag]
		if !ok {
			v = specs[i].unset()
		}
		out[i] = ProfileItem{Tag: tag, Value: v}
	}
	return out
}

// validUserIDs returns the ids im.CheckUserID accepts.
func validUserIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if im.CheckUserID(id) == nil {
			out = append(out, id)
		}
	}
	return out
}

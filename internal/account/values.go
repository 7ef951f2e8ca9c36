package account

import (
	"context"
	"encoding/json"
)

// ProfileValues reads the given profile tags of the existing accounts
// among userIDs, as raw JSON keyed by UserID and then tag; a tag never set
// has its initial value (see UserProfile.Items). Accounts that do not
// exist, or whose UserID is invalid, are absent. It is how other domains
// read profiles (the friend service asks for Tag_Profile_IM_AllowType and
// Tag_Profile_IM_AdminForbidType); the codes are GetPortrait's (40009 for
// an unknown tag).
func (s *Service) ProfileValues(ctx context.Context, sdkAppID uint64, userIDs, tags []string) (map[string]map[string]json.RawMessage, error) {
	tags = unique(tags)
	specs, err := s.resolveTags(ctx, sdkAppID, tags)
	if err != nil {
		return nil, err
	}
	found, err := s.profiles(ctx, sdkAppID, validUserIDs(unique(userIDs)), tags)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]json.RawMessage, len(found))
	for id, items := range found {
		values := make(map[string]json.RawMessage, len(tags))
		for _, it := range answer(tags, specs, items) {
			values[it.Tag] = it.Value
		}
		out[id] = values
	}
	return out, nil
}

package restapi

import (
	"context"

	"github.com/parley-im/parley/internal/im"
)

// The reference's openconfigsvr global-mute commands, served by the
// account service: bad bodies are 70402, a missing account 70107.
// Durations are seconds from now: 0 unmutes, 4294967295 mutes until
// unmuted.

type setNoSpeakingRequest struct {
	SetAccount             string  `json:"Set_Account"`
	C2CmsgNospeakingTime   *uint64 `json:"C2CmsgNospeakingTime"`
	GroupmsgNospeakingTime *uint64 `json:"GroupmsgNospeakingTime"`
}

func (s *Server) setNoSpeaking(ctx context.Context, call Call, body []byte) (any, error) {
	var req setNoSpeakingRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	return nil, s.accounts.SetNoSpeaking(ctx, call.SDKAppID, req.SetAccount, req.C2CmsgNospeakingTime, req.GroupmsgNospeakingTime)
}

type getNoSpeakingRequest struct {
	GetAccount string `json:"Get_Account"`
}

// getNoSpeakingResponse answers the time left of each mute, in seconds.
type getNoSpeakingResponse struct {
	C2CmsgNospeakingTime   uint64 `json:"C2CmsgNospeakingTime"`
	GroupmsgNospeakingTime uint64 `json:"GroupmsgNospeakingTime"`
}

func (s *Server) getNoSpeaking(ctx context.Context, call Call, body []byte) (any, error) {
	var req getNoSpeakingRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	ns, err := s.accounts.GetNoSpeaking(ctx, call.SDKAppID, req.GetAccount)
	if err != nil {
		return nil, err
	}
	return getNoSpeakingResponse{C2CmsgNospeakingTime: ns.C2C, GroupmsgNospeakingTime: ns.Group}, nil
}

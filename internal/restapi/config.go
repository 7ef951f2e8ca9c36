package restapi

import "context"

// getAppConfig answers /v4/parley_config/get_app_config (a Parley
// extension): the app's settings as top-level fields.
func (s *Server) getAppConfig(ctx context.Context, call Call, _ []byte) (any, error) {
	return s.tenants.Settings(ctx, call.SDKAppID)
}

// setAppConfig answers /v4/parley_config/set_app_config: the fields given
// replace the current ones; unknown fields and invalid values fail (70402)
// and change nothing. The answer carries the settings now in force.
func (s *Server) setAppConfig(ctx context.Context, call Call, body []byte) (any, error) {
	return s.tenants.UpdateSettings(ctx, call.SDKAppID, body)
}

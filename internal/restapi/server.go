// Package restapi is the REST server API edge: POST /v4/<service>/<command>
// with the reference's URL parameters, admin-only authentication, per-app
// rate limiting and the {ActionStatus, ErrorCode, ErrorInfo, ErrorDisplay}
// envelope. Handlers decode, call a domain service and encode; business rules
// live in the domain packages.
package restapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/friend"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/tenant"
)

// Bounds of Config.MaxBodyBytes. DefaultMaxBodyBytes caps a request body;
// the reference's packets are limited to 1 MB. MinMaxBodyBytes is the
// smallest cap a server may be configured with: below it ordinary admin
// calls would not fit.
const (
	DefaultMaxBodyBytes = 1 << 20
	MinMaxBodyBytes     = 1 << 10
)

// CheckMaxBodyBytes reports whether n may be Config.MaxBodyBytes (0 means
// the default).
func CheckMaxBodyBytes(n int64) error {
	if n != 0 && n < MinMaxBodyBytes {
		return fmt.Errorf("max body bytes %d: want at least %d", n, MinMaxBodyBytes)
	}
	return nil
}

// Config wires a Server.
type Config struct {
	Tenants  *tenant.Service
	Accounts *account.Service
	// Messages serves the openim message commands; Conversations the
	// recentcontact commands and openim's read and unread commands.
	Messages      *message.Service
	Conversations *conversation.Service
	// Friends serves the sns commands; nil leaves them unserved (60009).
	Friends *friend.Service
	Logger  *slog.Logger
	Metrics *Metrics         // nil: not measured
	Clock   func() time.Time // nil: time.Now
	// MaxBodyBytes caps request bodies (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// AuthFailureRate is how many calls failing authentication one client
	// address may make per second on average, with bursts of five
	// seconds' worth; past it the address gets 60007 before its calls are
	// authenticated. 0: DefaultAuthFailureRate; negative: no limit.
	AuthFailureRate float64
}

// Server serves /v4/. It is an http.Handler and safe for concurrent use.
type Server struct {
	tenants       *tenant.Service
	accounts      *account.Service
	messages      *message.Service
	conversations *conversation.Service
	friends       *friend.Service
	log           *slog.Logger
	metrics       *Metrics
	limiter       *rateLimiter
	failures      *failureLimiter
	maxBody       int64
	routes        map[string]handlerFunc
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{
		tenants:       cfg.Tenants,
		accounts:      cfg.Accounts,
		messages:      cfg.Messages,
		conversations: cfg.Conversations,
		friends:       cfg.Friends,
		log:           cfg.Logger,
		metrics:       cfg.Metrics,
		maxBody:       cfg.MaxBodyBytes,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	s.limiter = newRateLimiter(clock)
	s.failures = newFailureLimiter(clock, cfg.AuthFailureRate)
	s.routes = s.routeTable()
	return s
}

// ServeHTTP answers one REST call. Every API-level outcome is HTTP 200 with
// the envelope; the ErrorCode says what went wrong.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	service, command, ok := splitPath(r.URL.Path)
	route := service + "/" + command
	if _, known := s.routes[route]; !known {
		route = "unknown"
	}
	call := Call{RequestID: reqID}
	resp, err := s.serve(r, &call, service, command, ok)
	code, info := s.outcome(r.Context(), call, service, err)
	writeEnvelope(w, code, info, resp)

	elapsed := time.Since(start)
	s.metrics.observe(route, code, elapsed)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "rest call",
		slog.String("request_id", reqID), slog.Uint64("sdkappid", call.SDKAppID),
		slog.String("identifier", call.Identifier), slog.String("command", route),
		slog.Int("code", code), slog.Duration("elapsed", elapsed))
}

// serve runs the checks in the reference's order, then the command.
// Everything that can be checked from the URL, including the caller's
// UserSig, is checked before the body is read: an unauthenticated client
// never makes the server hold its body (see also the HTTP server's read
// timeout, set by the app).
func (s *Server) serve(r *http.Request, call *Call, service, command string, pathOK bool) (any, error) {
	if r.Method != http.MethodPost {
		return nil, im.Errorf(im.CodeHTTPParse, "method %s not allowed: the REST API takes POST", r.Method)
	}
	if !pathOK {
		return nil, im.Errorf(im.CodeWrongResource, "path %q: want /v4/<service>/<command>", r.URL.Path)
	}
	params, err := parseParams(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	call.SDKAppID, call.Identifier = params.sdkAppID, params.identifier
	principal, err := s.authenticate(r, params)
	if err != nil {
		return nil, err
	}
	if !s.limiter.allow(params.sdkAppID, principal.App.Settings.RestRateLimit) {
		return nil, im.Errorf(im.CodeRESTRateLimit, "REST call rate over the app's limit of %d calls/s", principal.App.Settings.RestRateLimit)
	}
	h, ok := s.routes[service+"/"+command]
	if !ok {
		return nil, im.Errorf(im.CodeWrongResource, "unknown command %s/%s", service, command)
	}
	body, err := readBody(r, s.maxBody)
	if err != nil {
		return nil, err
	}
	if body, err = checkJSONObject(body); err != nil {
		return nil, err
	}
	resp, err := h(r.Context(), *call, body)
	if err != nil {
		err = commandError(service, err)
	}
	return resp, err // a failed command may still answer fields (batchsendmsg's ErrorList)
}

// authenticate checks the caller's UserSig and admin rights, behind the
// per-address limit on failures: an address that has used up its failures
// is refused without a UserSig check, and every failure is charged to it.
func (s *Server) authenticate(r *http.Request, params urlParams) (tenant.Principal, error) {
	addr := remoteAddr(r.RemoteAddr)
	if s.failures.blocked(addr) {
		return tenant.Principal{}, im.Errorf(im.CodeRESTRateLimit, "too many calls from %s failed authentication; slow down and check the SDKAppID, identifier and UserSig", addr)
	}
	principal, err := s.tenants.Authenticate(r.Context(), params.sdkAppID, params.identifier, params.userSig)
	if err == nil && !s.tenants.IsAdmin(principal.App, params.identifier) {
		err = im.Errorf(im.CodeNotAdmin, "identifier %q is not an admin of app %d", params.identifier, params.sdkAppID)
	}
	var e *im.Error
	if errors.As(err, &e) { // an internal error is the server's fault, not the caller's
		s.failures.charge(addr)
	}
	return principal, err
}

// outcome turns serve's error into the envelope's code and text: an
// *im.Error carries its code (a command's already re-coded for its
// service, see serviceCodes); anything else is an internal error, logged
// with the request id and reported without internals, under the service's
// internal-error code.
func (s *Server) outcome(ctx context.Context, call Call, service string, err error) (int, string) {
	if err == nil {
		return 0, ""
	}
	var e *im.Error
	if errors.As(err, &e) {
		return e.Code, e.Info
	}
	s.log.ErrorContext(ctx, "rest call failed", "request_id", call.RequestID, "sdkappid", call.SDKAppID, "service", service, "err", err)
	return internalCode(service), "internal server error, request id " + call.RequestID
}

func splitPath(path string) (service, command string, ok bool) {
	rest, found := strings.CutPrefix(path, "/v4/")
	if !found {
		return "", "", false
	}
	service, command, found = strings.Cut(rest, "/")
	if !found || service == "" || command == "" || strings.Contains(command, "/") {
		return "", "", false
	}
	return service, command, true
}

type urlParams struct {
	sdkAppID   uint64
	identifier string
	userSig    string
}

func parseParams(rawQuery string) (urlParams, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return urlParams{}, im.Errorf(im.CodeHTTPParse, "query string: %v", err)
	}
	var p urlParams
	appID := q.Get("sdkappid")
	if appID == "" {
		return p, im.Errorf(im.CodeSDKAppIDMissing, "sdkappid is missing from the URL")
	}
	if p.sdkAppID, err = strconv.ParseUint(appID, 10, 64); err != nil || p.sdkAppID == 0 {
		return p, im.Errorf(im.CodeSDKAppIDInvalid, "sdkappid %q is not a valid SDKAppID", appID)
	}
	if p.identifier = q.Get("identifier"); p.identifier == "" {
		return p, im.Errorf(im.CodeIdentifierOrSig, "identifier is missing from the URL")
	}
	if p.userSig = q.Get("usersig"); p.userSig == "" {
		return p, im.Errorf(im.CodeSigEmpty, "usersig is missing from the URL")
	}
	if v := q.Get("random"); v != "" {
		if _, err := strconv.ParseUint(v, 10, 32); err != nil {
			return p, im.Errorf(im.CodeHTTPParse, "random %q: want an unsigned 32-bit integer", v)
		}
	}
	if v := q.Get("contenttype"); v != "" && v != "json" {
		return p, im.Errorf(im.CodeHTTPParse, "contenttype %q: only json is supported", v)
	}
	return p, nil
}

// readBody reads the request body, refusing one over limit bytes before
// reading it when its length is declared.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, im.Errorf(im.CodeMalformedRequest, "request body of %d bytes is over the %d-byte limit", r.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, im.Errorf(im.CodeMalformedRequest, "reading request body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, im.Errorf(im.CodeMalformedRequest, "request body over the %d-byte limit", limit)
	}
	return b, nil
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

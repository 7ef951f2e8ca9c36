package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// envelope is the part of every REST answer the tool checks.
type envelope struct {
	ActionStatus string `json:"ActionStatus"`
	ErrorCode    int    `json:"ErrorCode"`
	ErrorInfo    string `json:"ErrorInfo"`
}

// adminSigLifetime is how long a minted admin UserSig is used before a
// new one is minted (it is valid for a day).
const adminSigLifetime = time.Hour

// Admin calls the REST command ("service/command", e.g.
// "openim/sendmsg") as the app admin with req encoded as JSON, and decodes
// the answer into resp (if not nil). A non-zero ErrorCode is a
// *ServerError; an answer that is not HTTP 200 with the envelope is an
// error saying so.
func (e *Env) Admin(ctx context.Context, command string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("bench: encode %s: %w", command, err)
	}
	sig, err := e.adminUserSig()
	if err != nil {
		return err
	}
	q := url.Values{
		"sdkappid": {strconv.FormatUint(e.sdkAppID, 10)}, "identifier": {e.admin}, "usersig": {sig},
		"random": {strconv.FormatUint(uint64(rand.Uint32()), 10)}, "contenttype": {"json"},
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, e.httpURL("/v4/"+command)+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bench: %s: %w", command, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hresp, err := e.http.Do(hreq)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", command, err)
	}
	defer drainBody(hresp.Body)
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("bench: %s: %w", command, err)
	}
	if hresp.StatusCode != http.StatusOK {
		return &httpStatusError{Status: hresp.StatusCode, Body: truncate(string(raw), 200)}
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.ActionStatus == "" {
		return fmt.Errorf("bench: %s: answer without the envelope: %s", command, truncate(string(raw), 200))
	}
	if env.ErrorCode != 0 {
		return &ServerError{Code: env.ErrorCode, Info: env.ErrorInfo}
	}
	if resp != nil {
		if err := json.Unmarshal(raw, resp); err != nil {
			return fmt.Errorf("bench: %s: decode answer: %w", command, err)
		}
	}
	return nil
}

// httpStatusError is a REST answer that was not HTTP 200.
type httpStatusError struct {
	Status int
	Body   string
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// adminUserSig returns a recent UserSig of the admin.
func (e *Env) adminUserSig() (string, error) {
	e.sigMu.Lock()
	defer e.sigMu.Unlock()
	if e.adminSig != "" && time.Since(e.adminTime) < adminSigLifetime {
		return e.adminSig, nil
	}
	sig, err := e.UserSig(e.admin)
	if err != nil {
		return "", fmt.Errorf("bench: admin UserSig: %w", err)
	}
	e.adminSig, e.adminTime = sig, time.Now()
	return sig, nil
}

// Metrics reads the server's /metrics (Prometheus text format) and returns
// each sample by its name with labels, e.g. "process_resident_memory_bytes"
// or `parley_gateway_closes_total{reason="logout"}`.
func (e *Env) Metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.httpURL("/metrics"), nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: /metrics: %w", err)
	}
	defer drainBody(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bench: /metrics: HTTP %d", resp.StatusCode)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the samples of the Prometheus text format.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: /metrics: %w", err)
	}
	return out, nil
}

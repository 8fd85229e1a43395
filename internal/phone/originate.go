package phone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// OriginateTimeout bounds the phone system's answer to an originate
// request: a person waits on it.
const OriginateTimeout = 5 * time.Second

// Originate is a click-to-call: the number the acting user wants to
// call.
type Originate struct {
	Number string `json:"number"`
}

// Originated says which extension the phone system was asked to ring.
type Originated struct {
	IntegrationID string `json:"integration_id"`
	Extension     string `json:"extension"`
	Number        string `json:"number"`
}

// CanOriginate reports whether the acting user has an extension on an
// integration that dials on request, so the web app shows its button.
func (s *Service) CanOriginate(ctx context.Context) bool {
	_, _, err := s.dialler(ctx)
	return err == nil
}

// dialler returns the integration with an originate URL on which the
// actor has an extension, and that extension.
func (s *Service) dialler(ctx context.Context) (connected, string, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return connected{}, "", err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+s.columns()+` FROM phone_integrations
		WHERE workspace_id = ? AND deleted_at IS NULL AND originate_url <> '' ORDER BY id`, a.WorkspaceID)
	if err != nil {
		return connected{}, "", err
	}
	defer rows.Close()
	me := strconv.FormatInt(a.UserID, 10)
	for rows.Next() {
		i, err := scanIntegration(rows)
		if err != nil {
			return connected{}, "", err
		}
		for _, ext := range sortedKeys(i.Extensions) {
			if i.Extensions[ext] == me {
				return connected{Integration: i, ws: a.WorkspaceID}, ext, nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return connected{}, "", err
	}
	return connected{}, "", fault.Errorf(fault.ECONFLICT, "you have no extension on a phone integration that dials on request")
}

// Originate asks the phone system to ring the actor's extension and then
// dial in.Number. The request goes out through the webhooks' guard, so an
// originate URL cannot be pointed at a loopback, private or metadata
// address unless the administrator allowed its range.
func (s *Service) Originate(ctx context.Context, in Originate) (Originated, error) {
	in.Number = strings.TrimSpace(in.Number)
	if in.Number == "" {
		return Originated{}, fault.Field("number", "required", "is required")
	}
	if len(in.Number) > MaxNumber {
		return Originated{}, fault.Field("number", "too_long", "must be at most %d characters", MaxNumber)
	}
	e164, ok := s.normalize(in.Number)
	if !ok {
		return Originated{}, fault.Field("number", "format", "%q is not a phone number", input.Shown(in.Number))
	}
	i, ext, err := s.dialler(ctx)
	if err != nil {
		return Originated{}, err
	}
	allow, _ := webhook.ParseAllowance(i.OriginateAllowPrivate)
	client := &http.Client{Timeout: OriginateTimeout, Transport: &http.Transport{Proxy: nil,
		DialContext: allow.Dialer(OriginateTimeout).DialContext}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is not followed: it could lead anywhere
	}}
	body, _ := json.Marshal(map[string]string{"extension": ext, "number": e164})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, i.OriginateURL, bytes.NewReader(body))
	if err != nil {
		return Originated{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var refused *webhook.RefusedError
		if errors.As(err, &refused) {
			return Originated{}, fault.Errorf(fault.ECONFLICT, "the phone system's originate URL is refused: %s", refused.Why)
		}
		s.log.Warn("originate request failed", "integration", i.ID, "err", err)
		return Originated{}, fault.Errorf(fault.ECONFLICT, "the phone system did not answer the originate request")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Originated{}, fault.Errorf(fault.ECONFLICT, "%s", fmt.Sprintf("the phone system refused the originate request (HTTP %d)", resp.StatusCode))
	}
	return Originated{IntegrationID: i.ID, Extension: ext, Number: e164}, nil
}

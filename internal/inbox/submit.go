package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/bits"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/mail"
)

// Limits of a submission.
const (
	MaxValue     = 1000     // one field's value
	MaxLongValue = 10000    // a textarea's value
	MaxSubmit    = 64 << 10 // the whole submission
	// tokenLife is how long a form token is good for: a page left open
	// over a weekend still posts.
	tokenLife = 72 * time.Hour
)

// Spam reasons.
const (
	SpamHoneypot = "honeypot"
	SpamTooFast  = "too_fast"
	SpamToken    = "bad_token"
	SpamExpired  = "expired_token"
	SpamNoProof  = "no_proof_of_work"
)

// Token returns a fresh signed token for form f: when it was issued and
// a nonce, so that the submission that carries it proves how long the
// form was open, and can land only once.
func (f *Form) Token(now time.Time) string {
	body := strconv.FormatInt(now.Unix(), 10) + "." + randomHex(12)
	return body + "." + f.sign(body)
}

func (f *Form) sign(body string) string {
	m := hmac.New(sha256.New, f.secret)
	m.Write([]byte(f.PublicID + "|" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// readToken returns the issue time and nonce of token t, or ok false
// when f did not sign it.
func (f *Form) readToken(t string) (time.Time, string, bool) {
	parts := strings.Split(t, ".")
	if len(parts) != 3 || !hmac.Equal([]byte(f.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return time.Time{}, "", false
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(sec, 0), parts[1], true
}

// ProofOK reports whether proof makes sha256(token ":" proof) start with
// zeros leading zero bits.
func ProofOK(token, proof string, zeros int) bool {
	if zeros <= 0 {
		return true
	}
	if proof == "" || len(proof) > 32 {
		return false
	}
	sum := sha256.Sum256([]byte(token + ":" + proof))
	n := 0
	for _, b := range sum {
		if b == 0 {
			n += 8
			continue
		}
		n += bits.LeadingZeros8(b)
		break
	}
	return n >= zeros
}

// Submission is a form post as the web form handler read it.
type Submission struct {
	Values   url.Values
	Address  string // the client's address
	Referrer string // the Referer header, when the form did not send one
}

// Submitted is what became of a submission.
type Submitted struct {
	RequestID string `json:"request_id"`
	DealID    string `json:"deal_id,omitempty"`
	Spam      bool   `json:"-"`
	Replayed  bool   `json:"-"`
	Confirmed bool   `json:"-"` // a confirmation is on its way to the visitor
}

// Submit records a visitor's submission of form f. Missing required
// fields, oversized values and text that is not text are refused naming
// the field; what looks like spam (the honeypot filled, a form sent
// faster than a person fills it, a forged or stale token, a missing proof
// of work) is kept as spam with its reason. A form that sends its leads
// straight to a deal accepts the request as its assigned user.
func (s *Service) Submit(ctx context.Context, f Form, sub Submission) (Submitted, error) {
	v := sub.Values
	var c fault.Collector
	in := Input{Channel: "web_form", Source: "web_form", formID: f.id, address: sub.Address, PipelineID: f.PipelineID,
		AssignedUserID: f.AssignedUserID, language: f.Language}
	mapped := map[string]string{}
	size := 0
	for _, field := range f.Fields {
		val := strings.TrimSpace(strings.ReplaceAll(v.Get(field.Name), "\r\n", "\n"))
		size += len(val)
		limit := MaxValue
		if field.Type == "textarea" {
			limit = MaxLongValue
		}
		switch {
		case len(v[field.Name]) > 1:
			c.Add(field.Name, "repeated", "must be sent once")
		case val == "" && field.Required:
			c.Add(field.Name, "required", "is required")
		case utf8.RuneCountInString(val) > limit:
			c.Add(field.Name, "too_long", "must be at most %d characters", limit)
		case field.Type == "textarea":
			c.Include(input.Text(field.Name, val))
		default:
			c.Include(input.Line(field.Name, val))
		}
		if val == "" {
			continue
		}
		switch field.MapsTo {
		case "contact.name":
			in.Name = joinName(in.Name, val)
		case "contact.first_name":
			in.Name = joinName(val, in.Name)
		case "contact.last_name":
			in.Name = joinName(in.Name, val)
		case "contact.email":
			in.Email = val
		case "contact.phone":
			in.Phone = val
		case "company.name":
			in.CompanyName = val
		case "message":
			in.Message = val
		default:
			mapped[field.MapsTo] = val
		}
	}
	if size > MaxSubmit {
		c.Add("form", "too_large", "the submission must be at most %d bytes", MaxSubmit)
	}
	if f.ConsentText != "" {
		if v.Get("_consent") == "" {
			c.Add("_consent", "required", "is required")
		}
		consent := f.ConsentText
		in.Consent = &consent
	}
	for _, name := range []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "_referrer"} {
		val := v.Get(name)
		if utf8.RuneCountInString(val) > MaxValue {
			c.Add(name, "too_long", "must be at most %d characters", MaxValue)
		} else {
			c.Include(input.Line(name, val))
		}
	}
	if err := c.Err(); err != nil {
		return Submitted{}, err
	}
	in.UTM = UTM{Source: v.Get("utm_source"), Medium: v.Get("utm_medium"), Campaign: v.Get("utm_campaign"), Term: v.Get("utm_term"),
		Content: v.Get("utm_content")}
	in.Referrer = firstOf(v.Get("_referrer"), sub.Referrer)
	if len(in.Referrer) > MaxValue || input.Line("referrer", in.Referrer) != nil {
		in.Referrer = ""
	}
	in.spamReason, in.nonce = s.spam(f, v)
	// The raw payload is every field the form defines, as posted, and the
	// values mapped to other fields; nothing the visitor sent beyond the
	// form's fields is kept.
	posted := map[string]string{}
	for _, field := range f.Fields {
		if val := v.Get(field.Name); val != "" {
			posted[field.Name] = val
		}
	}
	payload, _ := json.Marshal(map[string]any{"form": f.PublicID, "fields": posted, "mapped": mapped})
	in.Payload = payload
	if in.Name == "" && in.Email == "" && in.Phone == "" && in.Message == "" {
		in.Message = "-"
	}
	id, replayed, err := s.arrive(ctx, f.workspace, 0, in)
	if err != nil {
		return Submitted{}, err
	}
	out := Submitted{RequestID: id, Spam: in.spamReason != "", Replayed: replayed}
	if !out.Spam && !replayed {
		out.Confirmed = s.confirm(f, in.Email)
	}
	if f.StraightToDeal && !out.Spam && !replayed {
		actor, err := s.userActor(ctx, f.workspace, f.AssignedUserID)
		if err != nil {
			return out, err
		}
		r, err := s.Accept(access.WithActor(ctx, actor), id, Accept{PipelineID: f.PipelineID, StageID: f.StageID})
		if err != nil {
			// The request stays in the inbox, so the lead is not lost.
			s.log.Warn("a form's lead could not go straight to a deal; it waits in the inbox", "form", f.PublicID, "request", id, "err", err)
			return out, nil
		}
		out.DealID = r.DealID
	}
	return out, nil
}

func joinName(a, b string) string {
	return strings.TrimSpace(a + " " + b)
}

// spam returns why the submission v looks like spam ("" when it does not)
// and the nonce of its token.
func (s *Service) spam(f Form, v url.Values) (string, string) {
	if v.Get("_hp") != "" {
		return SpamHoneypot, nonceOf(f, v.Get("_t"))
	}
	token := v.Get("_t")
	if token == "" {
		// A plain HTML form pasted without its script has no token: it
		// is not spam for that, but proves no time nor work.
		if f.ProofOfWork > 0 {
			return SpamNoProof, ""
		}
		return "", ""
	}
	issued, nonce, ok := f.readToken(token)
	if !ok {
		return SpamToken, ""
	}
	age := s.now().Sub(issued)
	switch {
	case age > tokenLife:
		return SpamExpired, nonce
	case age < time.Duration(f.MinFillSeconds)*time.Second:
		return SpamTooFast, nonce
	case !ProofOK(token, v.Get("_pow"), f.ProofOfWork):
		return SpamNoProof, nonce
	}
	return "", nonce
}

func nonceOf(f Form, token string) string {
	if _, nonce, ok := f.readToken(token); ok {
		return nonce
	}
	return ""
}

// userActor is user id of workspace ws acting with their own role.
func (s *Service) userActor(ctx context.Context, ws int64, id string) (access.Actor, error) {
	var role string
	if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT role FROM users WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&role); err != nil {
		return access.Actor{}, err
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return access.Actor{WorkspaceID: ws, UserID: n, Role: role}, nil
}

// confirm mails f's confirmation to the visitor's address, unless the
// form has none, the address is not one, or a limit is reached: one
// confirmation a day to one address (whichever form sent it), and
// ConfirmationsPerHour an hour from one form, so that nobody can use a
// form to mail strangers. It reports whether a message is on its way;
// the sending does not hold up the visitor's answer.
func (s *Service) confirm(f Form, to string) bool {
	if s.mail == nil || f.Confirmation == "" || to == "" {
		return false
	}
	addr, err := netmail.ParseAddress(to)
	if err != nil || addr.Name != "" || addr.Address != to {
		return false
	}
	ws := strconv.FormatInt(f.workspace, 10)
	if ok, _ := s.perForm.Take(ws + "|" + f.PublicID); !ok {
		return false
	}
	if ok, _ := s.perAddress.Take(ws + "|" + strings.ToLower(to)); !ok {
		return false
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.mail.Send(ctx, mail.Message{To: to, Subject: f.Name, Text: f.Confirmation}); err != nil {
			s.log.Warn("a form's confirmation was not sent", "form", f.PublicID, "err", err)
		}
	}()
	return true
}

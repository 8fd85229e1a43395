package goals

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// The digest's jobs: the recurring check for users whose morning has come,
// and the sending of one user's digest of one day.
const (
	DigestTick = "goals.digest"
	DigestSend = "goals.digest_send"
)

// digestEvery is how often the check runs: a digest goes out within a
// minute of its hour.
const digestEvery = time.Minute

// Digests sends each user who chose indicators their digest once a day,
// at their hour in their time zone, in their language.
//
// Once a day: the check claims a user's day by writing it into
// last_sent_on and enqueues the sending in the same transaction, so a
// second check (on this process or another, now or after a restart) finds
// the day taken, and the sending, a job in the database, survives a
// restart and is retried until the mail server takes it.
type Digests struct {
	svc  *Service
	mail mail.Sender
	log  *slog.Logger
}

// NewDigests returns the digest sender over svc, mailing through m.
func NewDigests(svc *Service, m mail.Sender, log *slog.Logger) *Digests {
	if log == nil {
		log = slog.Default()
	}
	return &Digests{svc: svc, mail: m, log: log}
}

// Register adds the check and the sending to q.
func (d *Digests) Register(q *jobs.Queue) {
	q.Every(DigestTick, digestEvery, func(ctx context.Context, _ jobs.Job) error {
		_, err := d.Tick(ctx)
		return err
	})
	q.Register(DigestSend, d.Send)
}

// digestJob is the payload of a sending.
type digestJob struct {
	Workspace int64  `json:"workspace"`
	User      int64  `json:"user"`
	Day       string `json:"day"` // the user's date it is the digest of
}

// Tick claims the day of every user whose digest hour has come and who
// has not had that day's digest, and enqueues the sending; it returns how
// many it claimed. A server that was down at the hour sends on its next
// check the same day; a day that has passed is not sent late.
func (d *Digests) Tick(ctx context.Context) (int, error) {
	db := d.svc.db
	rows, err := db.Reader().QueryContext(ctx, `SELECT ds.workspace_id, ds.user_id, ds.hour, COALESCE(ds.last_sent_on, ''), u.time_zone
		FROM digest_settings ds JOIN users u ON u.workspace_id = ds.workspace_id AND u.id = ds.user_id
		WHERE ds.indicators <> '[]' AND u.status = 'active'`)
	if err != nil {
		return 0, err
	}
	type due struct {
		ws, user int64
		day      string
		last     string
	}
	var dues []due
	now := d.svc.now()
	for rows.Next() {
		var x due
		var hour int
		var tz string
		if err := rows.Scan(&x.ws, &x.user, &hour, &x.last, &tz); err != nil {
			rows.Close()
			return 0, err
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		x.day = local.Format(time.DateOnly)
		if local.Hour() >= hour && x.last < x.day {
			dues = append(dues, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	claimed := 0
	for _, x := range dues {
		err := db.Tx(ctx, func(q store.Querier) error {
			res, err := q.ExecContext(ctx, `UPDATE digest_settings SET last_sent_on = ? WHERE workspace_id = ? AND user_id = ?
				AND (last_sent_on IS NULL OR last_sent_on < ?)`, x.day, x.ws, x.user, x.day)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another check took the day first
			}
			payload, _ := json.Marshal(digestJob{Workspace: x.ws, User: x.user, Day: x.day})
			_, err = jobs.Enqueue(ctx, q, db.Dialect, jobs.Job{WorkspaceID: x.ws, Kind: DigestSend, Payload: payload})
			if err == nil {
				claimed++
			}
			return err
		})
		if err != nil {
			return claimed, err
		}
	}
	return claimed, nil
}

// Send composes and mails one user's digest of one day.
func (d *Digests) Send(ctx context.Context, j jobs.Job) error {
	var p digestJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var email, name, lang, tz, status, role string
	err := d.svc.db.Reader().QueryRowContext(ctx, `SELECT email, name, language, time_zone, status, role FROM users
		WHERE workspace_id = ? AND id = ?`, p.Workspace, p.User).Scan(&email, &name, &lang, &tz, &status, &role)
	if errors.Is(err, sql.ErrNoRows) || err == nil && status != "active" {
		return nil // gone or deactivated since: nothing to send
	}
	if err != nil {
		return err
	}
	// The digest is computed as the user: every figure is one they may
	// see on their dashboard.
	ctx = access.WithActor(ctx, access.Actor{WorkspaceID: p.Workspace, UserID: p.User, Role: role})
	settings, err := d.svc.Digest(ctx)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	pr := locale.For(lang)
	m, err := d.compose(ctx, pr, settings, d.svc.now().In(loc))
	if err != nil {
		return err
	}
	m.To = email
	return d.mail.Send(ctx, m)
}

// indicator is one line of a digest: its name, its figure, and a chart.
type indicator struct {
	Name, Value, Note string
	CID               string
	PNG               []byte
}

// compose builds the digest of settings as of now (the user's local time).
func (d *Digests) compose(ctx context.Context, p *locale.Printer, settings DigestSettings, now time.Time) (mail.Message, error) {
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var this, last *KPIs
	var out []indicator
	for i, ind := range settings.Indicators {
		kind, name, _ := strings.Cut(ind, ":")
		var x indicator
		var err error
		switch kind {
		case "kpi":
			if this == nil {
				k1, err := d.svc.KPIsOf(ctx, month, month.AddDate(0, 1, 0), nil, now)
				if err != nil {
					return mail.Message{}, err
				}
				k0, err := d.svc.KPIsOf(ctx, month.AddDate(0, -1, 0), month, nil, now)
				if err != nil {
					return mail.Message{}, err
				}
				this, last = &k1, &k0
			}
			x, err = kpiIndicator(p, name, *last, *this, month)
		case "goal":
			x, err = d.goalIndicator(ctx, p, name, now)
		}
		if err != nil {
			return mail.Message{}, err
		}
		if x.Name == "" {
			continue // a goal deleted or out of sight since it was chosen
		}
		x.CID = fmt.Sprintf("chart%d@rapport", i+1)
		out = append(out, x)
	}
	m := mail.Message{Subject: p.T("goals.digest.subject", "date", p.Date(now, now.Location()))}
	var text strings.Builder
	text.WriteString(p.T("goals.digest.intro") + "\n\n")
	for _, x := range out {
		fmt.Fprintf(&text, "%s: %s\n", x.Name, x.Value)
		if x.Note != "" {
			fmt.Fprintf(&text, "  %s\n", x.Note)
		}
		m.Inline = append(m.Inline, mail.Inline{ContentID: x.CID, ContentType: "image/png", Data: x.PNG})
	}
	if len(out) == 0 {
		text.WriteString(p.T("goals.digest.nothing") + "\n")
	}
	m.Text = text.String()
	var html bytes.Buffer
	err := digestHTML.Execute(&html, map[string]any{"Intro": p.T("goals.digest.intro"), "Items": out,
		"Nothing": p.T("goals.digest.nothing"), "Lang": p.Lang()})
	m.HTML = html.String()
	return m, err
}

var digestHTML = template.Must(template.New("digest").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family: sans-serif; color: #1f2328">
<p>{{.Intro}}</p>
{{- range .Items}}
<h2 style="font-size: 16px; margin: 20px 0 4px">{{.Name}}: {{.Value}}</h2>
{{- if .Note}}<p style="margin: 0 0 6px; color: #59636e">{{.Note}}</p>{{end}}
<img src="cid:{{.CID}}" alt="{{.Name}}: {{.Value}}" width="480" height="240">
{{- else}}
<p>{{.Nothing}}</p>
{{- end}}
</body></html>`))

// kpiIndicator is an indicator of KPIs: this month's figure, with last
// month's beside it in the chart.
func kpiIndicator(p *locale.Printer, name string, last, this KPIs, month time.Time) (indicator, error) {
	value := func(k KPIs) (float64, string) {
		dash := "—"
		pct := func(f *float64) (float64, string) {
			if f == nil {
				return 0, dash
			}
			return *f * 100, p.Number(*f*100, 1) + " %"
		}
		money := func(m *sales.Money) (float64, string) {
			if m == nil {
				return 0, dash
			}
			return float64(m.Amount) / 100, p.Money(strconv.FormatFloat(float64(m.Amount)/100, 'f', 2, 64), m.Currency)
		}
		switch name {
		case "won":
			return float64(k.Won), p.Number(float64(k.Won), 0)
		case "close_rate":
			return pct(k.CloseRate)
		case "upsell_rate":
			return pct(k.UpsellRate)
		case "average_deal":
			return money(k.AverageDeal)
		case "lifetime_value":
			return money(k.LifetimeValue)
		case "cycle":
			if k.CycleDays == nil {
				return 0, dash
			}
			return *k.CycleDays, p.N("goals.digest.days", int(*k.CycleDays+0.5))
		}
		return 0, dash
	}
	v0, _ := value(last)
	v1, text := value(this)
	png, err := barChart([]string{month.AddDate(0, -1, 0).Format("2006-01"), month.Format("2006-01")}, []float64{v0, v1})
	return indicator{Name: kpiName(p, name), Value: text, PNG: png}, err
}

func kpiName(p *locale.Printer, name string) string {
	switch name {
	case "won":
		return p.T("goals.digest.kpi.won")
	case "close_rate":
		return p.T("goals.digest.kpi.close_rate")
	case "average_deal":
		return p.T("goals.digest.kpi.average_deal")
	case "cycle":
		return p.T("goals.digest.kpi.cycle")
	case "lifetime_value":
		return p.T("goals.digest.kpi.lifetime_value")
	case "upsell_rate":
		return p.T("goals.digest.kpi.upsell_rate")
	}
	return name
}

// goalIndicator is a goal's progress, with the done and the target as
// bars; "" when the user may no longer see the goal.
func (d *Digests) goalIndicator(ctx context.Context, p *locale.Printer, id string, now time.Time) (indicator, error) {
	g, err := d.svc.Get(ctx, id)
	if err != nil {
		return indicator{}, nil
	}
	ps, err := d.svc.ProgressOf(ctx, []Goal{g}, now)
	if err != nil || len(ps) == 0 {
		return indicator{}, err
	}
	pg := ps[0]
	name := p.T("goals.digest.goal", "metric", metricName(p, g.Metric), "period", g.Period)
	if pg.Done == nil {
		png, err := barChart([]string{"0"}, []float64{0})
		return indicator{Name: name, Value: "—", PNG: png}, err
	}
	num := func(n int64) (float64, string) {
		if g.Metric == WonValue {
			return float64(n) / 100, p.Money(strconv.FormatFloat(float64(n)/100, 'f', 2, 64), g.Currency)
		}
		return float64(n), p.Number(float64(n), 0)
	}
	done, doneText := num(*pg.Done)
	target, targetText := num(g.Target)
	_, gapText := num(*pg.Gap)
	_, perText := num(*pg.PerDay)
	x := indicator{Name: name, Value: doneText + " / " + targetText}
	if *pg.Gap > 0 {
		x.Note = p.N("goals.digest.pace", max(pg.DaysLeft, 1), "gap", gapText, "amount", perText)
	}
	x.PNG, err = barChart([]string{strconv.Itoa(pg.Percent) + "%", "100%"}, []float64{done, target})
	return x, err
}

func metricName(p *locale.Printer, metric string) string {
	switch metric {
	case WonValue:
		return p.T("goals.digest.metric.won_value")
	case WonCount:
		return p.T("goals.digest.metric.won_count")
	case NewDeals:
		return p.T("goals.digest.metric.new_deals")
	case Calls:
		return p.T("goals.digest.metric.calls")
	case TasksDone:
		return p.T("goals.digest.metric.tasks_done")
	}
	return metric
}

// barChart draws values as bars over labels, as a PNG of 480 × 240. The
// labels are numbers and dates only: the chart's font need not have every
// language's letters, which the mail's text around it carries.
func barChart(labels []string, values []float64) ([]byte, error) {
	p := plot.New()
	bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(48))
	if err != nil {
		return nil, err
	}
	bars.Color = color.RGBA{R: 37, G: 99, B: 235, A: 255}
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(labels...)
	p.Y.Min = 0
	w, err := p.WriterTo(5*vg.Inch, 2.5*vg.Inch, "png")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package inbox

import (
	"context"
	"slices"
	"strconv"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// match is what a request's e-mail and phone lead to: the oldest contact
// and company having either, and how many contacts and companies do (more
// than one is a likely duplicate).
type match struct {
	contact, company int64
	count            int
}

// match finds the contacts and companies of workspace ws with email or
// phone, normalised as the duplicate detection normalises them, through
// its blocking keys: "e:" the whole address, "p:" the last seven digits,
// confirmed against each candidate's stored profile. The keys are written
// in the transaction of every contact and company write, so a record
// saved a moment ago is found.
func (s *Service) match(ctx context.Context, ws int64, email, phone string) (match, error) {
	var m match
	var phones []string
	if phone != "" {
		if e164, ok := records.NormalizePhone(phone, s.region); ok {
			phones = append(phones, e164)
		} else {
			phones = append(phones, phone)
		}
	}
	var emails []string
	if email != "" {
		emails = append(emails, email)
	}
	p := linkage.Prepare(linkage.Record{Emails: emails, Phones: phones})
	var keys []string
	for _, e := range p.Emails {
		keys = append(keys, "e:"+e)
	}
	for _, ph := range p.Phones {
		if len(ph) >= 7 {
			keys = append(keys, "p:"+ph[len(ph)-7:])
		}
	}
	if len(keys) == 0 {
		return m, nil
	}
	marks, args := store.List(keys)
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT DISTINCT k.object, k.record_id, p.profile FROM duplicate_keys k
		JOIN duplicate_profiles p ON p.workspace_id = k.workspace_id AND p.object = k.object AND p.record_id = k.record_id
		WHERE k.workspace_id = ? AND k.object IN ('contact', 'company') AND k.key IN (`+marks+`)
		ORDER BY k.record_id`, append([]any{ws}, args...)...)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var object, profile string
		var id int64
		if err := rows.Scan(&object, &id, &profile); err != nil {
			return m, err
		}
		// The profile is the record as the matcher reads it; prepared, it
		// is normalised exactly as the request's values were.
		rec, err := linkage.ReadRecord(profile)
		if err != nil {
			continue
		}
		got := linkage.Prepare(rec)
		if !overlaps(got.Emails, p.Emails) && !overlaps(got.Phones, p.Phones) {
			continue
		}
		key := object + strconv.FormatInt(id, 10)
		if seen[key] {
			continue
		}
		seen[key] = true
		m.count++
		if object == "contact" && m.contact == 0 {
			m.contact = id
		}
		if object == "company" && m.company == 0 {
			m.company = id
		}
	}
	return m, rows.Err()
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

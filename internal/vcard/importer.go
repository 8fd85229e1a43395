package vcard

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Importer creates contacts from vCards through the records engine, so
// that permissions, field rules, duplicates, search and the audit trail
// apply as to any other write. The API and the web app share it.
type Importer struct {
	DB     *store.DB
	Engine *records.Engine
}

// Import creates a contact from each vCard in data, linked to its company
// (found by name among those the caller may read, or created) and with its
// notes, all in one transaction: if one card cannot be a contact, nothing
// is written and the error names the card (cards[2].emails[0].value).
func (im Importer) Import(ctx context.Context, data []byte) ([]records.Record, error) {
	contacts, err := Read(data)
	if err != nil {
		return nil, err
	}
	var created []records.Record
	err = im.DB.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		created = created[:0]
		// A file's cards often share a company: each name is looked up once.
		companies := map[string]string{}
		for i, c := range contacts {
			rec, err := im.create(ctx, c, companies)
			if err != nil {
				return Prefixed(err, "cards["+strconv.Itoa(i)+"].")
			}
			created = append(created, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

func (im Importer) create(ctx context.Context, c Contact, companies map[string]string) (records.Record, error) {
	in := c.Input()
	if name := c.Organization; name != "" {
		if companies[name] == "" {
			id, err := im.companyNamed(ctx, name)
			if err != nil {
				return nil, Prefixed(err, "organization.")
			}
			companies[name] = id
		}
		in["companies"] = []any{map[string]any{"id": companies[name]}}
	}
	rec, err := im.Engine.Create(ctx, "contact", in)
	if err != nil {
		return nil, err
	}
	for _, n := range c.Notes {
		_, err := im.Engine.Create(ctx, "note", map[string]any{"body": TextToHTML(n),
			"record_type": "contact", "record_id": rec["id"]})
		if err != nil {
			return nil, Prefixed(err, "notes.")
		}
	}
	return rec, nil
}

func (im Importer) companyNamed(ctx context.Context, name string) (string, error) {
	q, err := records.ParseQueryBody(mustJSON(map[string]any{"filter": map[string]any{"field": "name", "value": name},
		"sort": []string{"created_at"}, "limit": 1}))
	if err != nil {
		return "", err
	}
	page, err := im.Engine.List(ctx, "companies", q)
	if err != nil {
		return "", err
	}
	if len(page.Data) > 0 {
		return page.Data[0]["id"].(string), nil
	}
	rec, err := im.Engine.Create(ctx, "company", map[string]any{"name": name})
	if err != nil {
		return "", err
	}
	return rec["id"].(string), nil
}

// Prefixed is err with prefix before each of its field names, when it is
// invalid input; other errors are returned as they are.
func Prefixed(err error, prefix string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return err
	}
	out := &fault.Error{Code: fe.Code, Message: fe.Message}
	for _, f := range fe.Fields {
		f.Field = strings.TrimSuffix(prefix+f.Field, ".")
		out.Fields = append(out.Fields, f)
	}
	if prefix != "" && len(out.Fields) == 0 {
		out.Fields = []fault.FieldError{{Field: strings.TrimSuffix(prefix, "."), Code: "invalid", Message: fe.Message}}
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

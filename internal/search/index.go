package search

import (
	"context"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// insertChunk bounds the rows of one multi-row INSERT, well below both
// databases' limits on bound parameters.
const insertChunk = 300

// replace makes the index hold docs for the records ids of object in
// workspace ws: their old documents and numbers go, and those of docs (the
// ones still alive) come in.
func replace(ctx context.Context, q store.Querier, d store.Dialect, ws int64, object string, ids []int64, docs []*doc) error {
	for start := 0; start < len(ids); start += insertChunk {
		part := ids[start:min(start+insertChunk, len(ids))]
		marks, args := store.List(part)
		args = append([]any{ws, object}, args...)
		for _, table := range []string{"search_docs", "search_phones"} {
			if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`, args...); err != nil {
				return err
			}
		}
	}
	return insert(ctx, q, d, docs, false)
}

// insert adds docs. keep says what to do with a document the index holds
// already: keep it, or fail.
func insert(ctx context.Context, q store.Querier, d store.Dialect, docs []*doc, keep bool) error {
	conflict := ""
	if keep {
		conflict = " ON CONFLICT DO NOTHING"
	}
	for start := 0; start < len(docs); start += insertChunk {
		part := docs[start:min(start+insertChunk, len(docs))]
		if err := insertDocs(ctx, q, d, part, conflict); err != nil {
			return err
		}
		if err := insertPhones(ctx, q, part, conflict); err != nil {
			return err
		}
	}
	return nil
}

func insertDocs(ctx context.Context, q store.Querier, d store.Dialect, docs []*doc, conflict string) error {
	if len(docs) == 0 {
		return nil
	}
	var b strings.Builder
	var args []any
	if d == store.Postgres {
		b.WriteString(`INSERT INTO search_docs (workspace_id, object, record_id, owner_id, title, subtitle, name_key, words) VALUES `)
		for i, x := range docs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?::tsvector)`)
			args = append(args, x.ws, x.object, x.id, x.owner, x.title, x.subtitle, nameKey(x.title), tsvector(x))
		}
	} else {
		b.WriteString(`INSERT INTO search_docs (id, workspace_id, object, record_id, owner_id, title, subtitle, name_key, name, body, tags) VALUES `)
		for i, x := range docs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			args = append(args, docID(x.object, x.id), x.ws, x.object, x.id, x.owner, x.title, x.subtitle, nameKey(x.title),
				x.nameText(), x.bodyText(), strings.Join(markers(x, "_"), " "))
		}
	}
	_, err := q.ExecContext(ctx, b.String()+conflict, args...)
	return err
}

func insertPhones(ctx context.Context, q store.Querier, docs []*doc, conflict string) error {
	var b strings.Builder
	var args []any
	seen := map[string]bool{}
	for _, x := range docs {
		for _, p := range x.phones {
			key := x.object + strconv.FormatInt(x.id, 10) + ":" + p
			if seen[key] { // a number listed twice on one record
				continue
			}
			seen[key] = true
			if len(args) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, x.ws, reverse(p), x.object, x.id, x.owner)
		}
	}
	if len(args) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `INSERT INTO search_phones (workspace_id, reversed, object, record_id, owner_id) VALUES `+b.String()+conflict, args...)
	return err
}

// markers are the tokens that let a query keep to one workspace, to the
// objects asked for and to the owners the actor may read: w<workspace>,
// k<object>, and k<object>o<owner>, one token for the pair so that a
// filter by owner is a flat OR of small lists. prefix makes them tokens
// that no normalised word can be: words hold only letters and digits.
func markers(x *doc, prefix string) []string {
	k := prefix + "k" + x.object
	m := []string{prefix + "w" + strconv.FormatInt(x.ws, 10), k}
	if x.owner != nil {
		m = append(m, k+"o"+strconv.FormatInt(*x.owner, 10))
	}
	return m
}

// maxPosition is the largest word position a tsvector holds.
const maxPosition = 16383

// tsvector writes x as a tsvector literal: the words of the name with
// weight A, the rest with weight B, each followed by its two- and
// three-letter prefixes (see the migration), then the markers without a
// position. Writing the literal rather than calling to_tsvector keeps
// PostgreSQL's parser from splitting words differently than queries do.
func tsvector(x *doc) string {
	var b strings.Builder
	pos := 0
	add := func(ws []string, weight string) {
		for _, w := range ws {
			pos = min(pos+1, maxPosition)
			at := ":" + strconv.Itoa(pos) + weight + " "
			b.WriteString(lexeme(w) + at)
			for _, p := range prefixes(w) {
				b.WriteString(lexeme(p) + at)
			}
		}
	}
	add(x.name, "A")
	add(x.body, "B")
	for _, m := range markers(x, "#") {
		b.WriteString(lexeme(m) + " ")
	}
	return b.String()
}

// lexeme quotes s for a tsvector or tsquery literal.
func lexeme(s string) string { return "'" + quoter.Replace(s) + "'" }

var quoter = strings.NewReplacer(`'`, `''`, `\`, `\\`)

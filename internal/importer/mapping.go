package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// SavedMapping is a column header → field map kept by name for one object
// of a workspace, so that the next file from the same system is mapped
// by choosing it (docs/decisions/0062-import-mappings.md).
type SavedMapping struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"` // plural, as an import names it
	Name      string            `json:"name"`
	Mapping   map[string]string `json:"mapping"`
	Version   int               `json:"version"`
	CreatedBy string            `json:"created_by,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	n         int64
}

// MappingInput is what a save or a change gives; nil leaves a part as it
// is on a change.
type MappingInput struct {
	Object  *string            `json:"object"`
	Name    *string            `json:"name"`
	Mapping *map[string]string `json:"mapping"`
	Version *int               `json:"version"`
}

// maxMappingName bounds a mapping's name, which a select shows.
const maxMappingName = 100

// mayMap returns the actor and the object when the actor may import
// records of object: whoever may create them. Saving a mapping asks no
// more, since a mapping only spares the choosing of fields that the user
// could choose for any import; write says whether the call writes, which
// a read-only token may not.
func (im *Importer) mayMap(ctx context.Context, object string, write bool) (access.Actor, *records.Object, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, nil, err
	}
	if !slices.Contains(Objects, object) {
		return a, nil, fault.Field("object", "option", "must be one of %s", strings.Join(Objects, ", "))
	}
	obj := im.object(object)
	asker := a
	if !write {
		// Listing and reading change nothing: a read-only token of a user
		// who may import sees the mappings its user would.
		asker.ReadOnly = false
	}
	if err := im.authorize(ctx, asker, obj, access.Create); err != nil {
		return a, nil, err
	}
	return a, obj, nil
}

const mappingColumns = `id, object, name, mapping, version, created_by, created_at, updated_at`

func scanMapping(row interface{ Scan(...any) error }) (SavedMapping, error) {
	var m SavedMapping
	var mapping string
	var by sql.NullInt64
	var created, updated any
	if err := row.Scan(&m.n, &m.Object, &m.Name, &mapping, &m.Version, &by, &created, &updated); err != nil {
		return m, err
	}
	m.ID = strconv.FormatInt(m.n, 10)
	if by.Valid {
		m.CreatedBy = strconv.FormatInt(by.Int64, 10)
	}
	if err := json.Unmarshal([]byte(mapping), &m.Mapping); err != nil {
		return m, err
	}
	m.CreatedAt, _ = store.ParseTime(created)
	m.UpdatedAt, _ = store.ParseTime(updated)
	return m, nil
}

// Mappings returns the saved mappings of object, by name; with object
// empty, those of every object the actor may import.
func (im *Importer) Mappings(ctx context.Context, object string) ([]SavedMapping, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	objects := Objects
	if object != "" {
		objects = []string{object}
	}
	var allowed []string
	for _, o := range objects {
		_, _, err := im.mayMap(ctx, o, false)
		switch {
		case err == nil:
			allowed = append(allowed, o)
		case object != "" || !fault.Is(err, fault.EFORBIDDEN):
			return nil, err
		}
	}
	out := []SavedMapping{}
	if len(allowed) == 0 {
		return out, nil
	}
	rows, err := im.db.Read(ctx).QueryContext(ctx, `SELECT `+mappingColumns+` FROM import_mappings
		WHERE workspace_id = ? ORDER BY object, folded, id`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMapping(rows)
		if err != nil {
			return nil, err
		}
		if slices.Contains(allowed, m.Object) {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// Mapping returns one saved mapping, when the actor may import its
// object; otherwise it is not found, as a mapping of another workspace.
func (im *Importer) Mapping(ctx context.Context, id string) (SavedMapping, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return SavedMapping{}, err
	}
	m, err := im.getMapping(ctx, im.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return m, err
	}
	if _, _, err := im.mayMap(ctx, m.Object, false); err != nil {
		return SavedMapping{}, notFound(id)
	}
	return m, nil
}

func notFound(id string) error {
	return fault.Errorf(fault.ENOTFOUND, "no saved import mapping %s", id)
}

func (im *Importer) getMapping(ctx context.Context, q store.Querier, ws int64, id string) (SavedMapping, error) {
	n, ok := input.ID(id)
	if !ok {
		return SavedMapping{}, notFound(id)
	}
	m, err := scanMapping(q.QueryRowContext(ctx, `SELECT `+mappingColumns+` FROM import_mappings
		WHERE workspace_id = ? AND id = ?`, ws, n))
	if errors.Is(err, sql.ErrNoRows) {
		return SavedMapping{}, notFound(id)
	}
	return m, err
}

// SaveMapping saves a mapping under a name new for its object.
func (im *Importer) SaveMapping(ctx context.Context, in MappingInput) (SavedMapping, error) {
	var m SavedMapping
	if in.Object != nil {
		m.Object = *in.Object
	}
	a, obj, err := im.mayMap(ctx, m.Object, true)
	if err != nil {
		return m, err
	}
	if err := im.applyMapping(ctx, &m, obj, in); err != nil {
		return m, err
	}
	data, _ := json.Marshal(m.Mapping)
	now := im.db.Dialect.Time(time.Now().UTC().Truncate(time.Second))
	var id int64
	err = im.db.Tx(ctx, func(q store.Querier) error {
		if err := uniqueMapping(ctx, q, a.WorkspaceID, m, 0); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `INSERT INTO import_mappings (workspace_id, object, name, folded, mapping, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.WorkspaceID, m.Object, m.Name, foldName(m.Name), string(data), a.UserID, now, now).Scan(&id)
	})
	if err != nil {
		return SavedMapping{}, err
	}
	return im.getMapping(ctx, im.db.Reader(), a.WorkspaceID, strconv.FormatInt(id, 10))
}

// UpdateMapping renames a saved mapping or changes its map; its object
// stays. A version given must be the current one.
func (im *Importer) UpdateMapping(ctx context.Context, id string, in MappingInput) (SavedMapping, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return SavedMapping{}, err
	}
	err = im.db.Tx(ctx, func(q store.Querier) error {
		m, obj, err := im.writable(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != m.Version {
			return fault.Errorf(fault.ECONFLICT, "the mapping was changed since version %d; it is at version %d", *in.Version, m.Version)
		}
		if in.Object != nil && *in.Object != m.Object {
			return fault.Field("object", "immutable", "a saved mapping's object cannot change; save a new one")
		}
		if err := im.applyMapping(ctx, &m, obj, in); err != nil {
			return err
		}
		if err := uniqueMapping(ctx, q, a.WorkspaceID, m, m.n); err != nil {
			return err
		}
		data, _ := json.Marshal(m.Mapping)
		_, err = q.ExecContext(ctx, `UPDATE import_mappings SET name = ?, folded = ?, mapping = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ?`,
			m.Name, foldName(m.Name), string(data), im.db.Dialect.Time(time.Now().UTC().Truncate(time.Second)), a.WorkspaceID, m.n)
		return err
	})
	if err != nil {
		return SavedMapping{}, err
	}
	return im.getMapping(ctx, im.db.Reader(), a.WorkspaceID, id)
}

// DeleteMapping removes a saved mapping; the imports made with it keep
// the map they used in their log.
func (im *Importer) DeleteMapping(ctx context.Context, id string) error {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	return im.db.Tx(ctx, func(q store.Querier) error {
		m, _, err := im.writable(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM import_mappings WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, m.n)
		return err
	})
}

// writable returns a saved mapping the actor may change: one of an
// object it may import, unseen (not found) otherwise.
func (im *Importer) writable(ctx context.Context, q store.Querier, ws int64, id string) (SavedMapping, *records.Object, error) {
	m, err := im.getMapping(ctx, q, ws, id)
	if err != nil {
		return m, nil, err
	}
	if _, _, err := im.mayMap(ctx, m.Object, false); err != nil {
		return m, nil, notFound(id)
	}
	_, obj, err := im.mayMap(ctx, m.Object, true)
	return m, obj, err
}

// applyMapping checks in and copies it onto m. The map is checked field
// by field as an import checks it; which headers a file has is known
// only when a file comes.
func (im *Importer) applyMapping(ctx context.Context, m *SavedMapping, obj *records.Object, in MappingInput) error {
	c := &fault.Collector{}
	if in.Name != nil {
		m.Name = strings.TrimSpace(*in.Name)
	}
	switch fe := input.Line("name", m.Name); {
	case fe != nil:
		c.Include(fe)
	case m.Name == "":
		c.Add("name", "required", "a saved mapping needs a name")
	case utf8.RuneCountInString(m.Name) > maxMappingName:
		c.Add("name", "too_long", "at most %d characters", maxMappingName)
	}
	if in.Mapping != nil {
		m.Mapping = map[string]string{}
		for h, f := range *in.Mapping {
			m.Mapping[h] = strings.TrimSpace(f)
		}
	}
	if err := c.Err(); err != nil {
		return err
	}
	if len(m.Mapping) == 0 {
		return fault.Field("mapping", "required", `a saved mapping maps at least one column: {"Mobile": "phones"}`)
	}
	byName, err := im.fieldsByName(ctx, obj)
	if err != nil {
		return err
	}
	for _, h := range sortedKeys(m.Mapping) {
		if fe := input.Line("mapping", h); fe != nil {
			return fault.Field("mapping", "format", "column headers are one line of text")
		}
		if m.Mapping[h] == "" {
			continue
		}
		col := column{header: h, field: m.Mapping[h]}
		if _, _, ok := parseNew(col.field); ok && byName[col.field] == nil {
			// The field is made by the import; the next file fills it.
			return fault.Field("mapping", "new_field", "column %q: a saved mapping names fields that exist; save it with the field once an import has made it", h)
		}
		if err := fitColumn(&col, byName, obj); err != nil {
			return err
		}
	}
	return nil
}

// uniqueMapping refuses a name another mapping of the object has, in any
// case.
func uniqueMapping(ctx context.Context, q store.Querier, ws int64, m SavedMapping, self int64) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM import_mappings WHERE workspace_id = ? AND object = ? AND folded = ? AND id <> ?`,
		ws, m.Object, foldName(m.Name), self).Scan(&n)
	if err == nil && n > 0 {
		return fault.Field("name", "taken", "another mapping of %s is called %s", m.Object, m.Name)
	}
	return err
}

// foldName is a name as uniqueness compares it.
func foldName(name string) string { return strings.ToLower(name) }

// resolveMapping puts the saved mapping opts name into opts, refusing
// one given beside an inline mapping or made for another object.
func (im *Importer) resolveMapping(ctx context.Context, opts *Options) error {
	if opts.MappingID == "" {
		return nil
	}
	if opts.Mapping != nil {
		return fault.Field("mapping_id", "conflict", "give mapping or mapping_id, not both")
	}
	m, err := im.Mapping(ctx, opts.MappingID)
	if fault.Is(err, fault.ENOTFOUND) {
		return fault.Field("mapping_id", "unknown", "no saved mapping %s", opts.MappingID)
	}
	if err != nil {
		return err
	}
	if m.Object != opts.Object {
		return fault.Field("mapping_id", "other_object", "the mapping %s is for %s, not %s", m.Name, m.Object, opts.Object)
	}
	opts.Mapping = m.Mapping
	return nil
}

// MappingByName returns the saved mapping of object called name, in any
// case, for the command line.
func (im *Importer) MappingByName(ctx context.Context, object, name string) (SavedMapping, error) {
	list, err := im.Mappings(ctx, object)
	if err != nil {
		return SavedMapping{}, err
	}
	for _, m := range list {
		if foldName(m.Name) == foldName(strings.TrimSpace(name)) {
			return m, nil
		}
	}
	return SavedMapping{}, fault.Field("mapping", "unknown", "no file %s and no saved mapping of %s called so", name, object)
}

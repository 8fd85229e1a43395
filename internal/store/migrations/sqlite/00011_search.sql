-- The global search index: one document per contact, company and deal,
-- kept by the search service from the outbox. search_docs holds what a
-- result shows and the words the full-text table indexes; the FTS4 table
-- reads its text from there (external content), so the two stay in step
-- through the triggers below. The document id is the record's id times
-- four plus the object's code, unique across workspaces because record ids
-- are rowids, negated so that FTS4 reads newest first. FTS4 rather than
-- FTS5 because the driver compiles FTS5 only under a build tag (see the
-- doc of package search).
--
-- search_phones holds every phone number's digits, last digit first, so
-- that a number ending in the digits typed is an index range, and an exact
-- number one index seek.

-- +goose Up
CREATE TABLE search_docs (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    owner_id     INTEGER,
    title        TEXT NOT NULL,
    subtitle     TEXT NOT NULL DEFAULT '',
    name_key     TEXT NOT NULL,
    name         TEXT NOT NULL,
    body         TEXT NOT NULL,
    tags         TEXT NOT NULL,
    UNIQUE (workspace_id, object, record_id)
);
-- Names starting with what was typed, in name order, filtered on the index.
CREATE INDEX search_docs_name ON search_docs (workspace_id, name_key, object, owner_id);

CREATE VIRTUAL TABLE search_fts USING fts4 (content="search_docs", name, body, tags,
    tokenize=unicode61 "remove_diacritics=2" "tokenchars=_", prefix="2,3,4,6");

-- While a row is in search_bulk, a rebuild is filling search_docs in the
-- same transaction and rebuilds the full-text table at its end in one
-- pass, many times faster than row by row; the triggers stand aside.
CREATE TABLE search_bulk (started_at TEXT NOT NULL);

-- +goose StatementBegin
CREATE TRIGGER search_docs_before_delete BEFORE DELETE ON search_docs
    WHEN NOT EXISTS (SELECT 1 FROM search_bulk) BEGIN
    DELETE FROM search_fts WHERE docid = old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_docs_before_update BEFORE UPDATE ON search_docs
    WHEN NOT EXISTS (SELECT 1 FROM search_bulk) BEGIN
    DELETE FROM search_fts WHERE docid = old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_docs_after_update AFTER UPDATE ON search_docs
    WHEN NOT EXISTS (SELECT 1 FROM search_bulk) BEGIN
    INSERT INTO search_fts (docid, name, body, tags) VALUES (new.id, new.name, new.body, new.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_docs_after_insert AFTER INSERT ON search_docs
    WHEN NOT EXISTS (SELECT 1 FROM search_bulk) BEGIN
    INSERT INTO search_fts (docid, name, body, tags) VALUES (new.id, new.name, new.body, new.tags);
END;
-- +goose StatementEnd

CREATE TABLE search_phones (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    reversed     TEXT NOT NULL,
    object       TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    owner_id     INTEGER,
    PRIMARY KEY (workspace_id, reversed, object, record_id)
) WITHOUT ROWID;
CREATE INDEX search_phones_record ON search_phones (workspace_id, object, record_id);

-- +goose Down
DROP TABLE search_phones;
DROP TRIGGER search_docs_after_insert;
DROP TRIGGER search_docs_after_update;
DROP TRIGGER search_docs_before_update;
DROP TRIGGER search_docs_before_delete;
DROP TABLE search_bulk;
DROP TABLE search_fts;
DROP TABLE search_docs;

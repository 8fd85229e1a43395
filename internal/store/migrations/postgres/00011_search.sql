-- The global search index: one document per contact, company and deal,
-- kept by the search service from the outbox. words is a tsvector of text
-- the service normalises itself (lower case, accents folded, words split
-- apart), with each word's first 2, 3, 4 and 6 letters as lexemes of their
-- own so that a prefix typed is one GIN entry rather than a scan of every
-- lexeme it begins, and with marker lexemes (#w<workspace>, #k<object>,
-- #k<object>o<owner>) that permission filters AND into the query.
-- name_key is the normalised title, byte-ordered, for "names starting
-- with".
--
-- search_phones holds every phone number's digits, last digit first, so
-- that a number ending in the digits typed is an index range, and an exact
-- number one index seek.

-- +goose Up
CREATE TABLE search_docs (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    owner_id     BIGINT,
    title        TEXT NOT NULL,
    subtitle     TEXT NOT NULL DEFAULT '',
    name_key     TEXT COLLATE "C" NOT NULL,
    words        TSVECTOR NOT NULL,
    PRIMARY KEY (workspace_id, object, record_id)
);
CREATE INDEX search_docs_words ON search_docs USING GIN (words);
CREATE INDEX search_docs_name ON search_docs (workspace_id, name_key, object, owner_id);

CREATE TABLE search_phones (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    reversed     TEXT COLLATE "C" NOT NULL,
    object       TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    owner_id     BIGINT,
    PRIMARY KEY (workspace_id, reversed, object, record_id)
);
CREATE INDEX search_phones_record ON search_phones (workspace_id, object, record_id);

-- +goose Down
DROP TABLE search_phones;
DROP TABLE search_docs;

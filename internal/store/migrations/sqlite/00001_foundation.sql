-- The foundation schema. Every tenant-owned table carries workspace_id and a
-- UNIQUE (workspace_id, id) key that foreign keys point at, so the shape
-- matches the PostgreSQL schema; SQLite keeps its rowid as the primary key
-- because a single file is never sharded.

-- +goose Up
CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO workspaces (id, name, created_at)
VALUES (1, 'Default', strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'));

CREATE TABLE users (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, email)
);

CREATE TABLE api_tokens (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT 'read_write',
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, hash),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);

CREATE TABLE custom_fields (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    name         TEXT NOT NULL,
    label        TEXT NOT NULL,
    type         TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '[]',
    target       TEXT NOT NULL DEFAULT '',
    required     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, object, name)
);

CREATE TABLE contacts (
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    id              INTEGER PRIMARY KEY,
    version         INTEGER NOT NULL DEFAULT 1,
    first_name      TEXT,
    last_name       TEXT,
    full_name       TEXT,
    emails          TEXT,
    phones          TEXT,
    address         TEXT,
    website         TEXT,
    social_profiles TEXT,
    job_title       TEXT,
    language        TEXT,
    birthday        TEXT,
    source          TEXT,
    owner_id        INTEGER,
    tags            TEXT,
    custom          TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX contacts_last_name ON contacts (workspace_id, last_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_first_name ON contacts (workspace_id, first_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_full_name ON contacts (workspace_id, full_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_updated_at ON contacts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner ON contacts (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_deleted ON contacts (workspace_id, deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE companies (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    version      INTEGER NOT NULL DEFAULT 1,
    name         TEXT,
    domain       TEXT,
    website      TEXT,
    phones       TEXT,
    emails       TEXT,
    address      TEXT,
    industry     TEXT,
    size         TEXT,
    owner_id     INTEGER,
    tags         TEXT,
    custom       TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX companies_name ON companies (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_domain ON companies (workspace_id, domain) WHERE deleted_at IS NULL;
CREATE INDEX companies_updated_at ON companies (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_owner ON companies (workspace_id, owner_id, id) WHERE deleted_at IS NULL;

-- The many-to-many link between contacts and companies, carrying the
-- contact's role or title at that company.
CREATE TABLE contact_companies (
    workspace_id INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    company_id   INTEGER NOT NULL,
    role         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, contact_id, company_id),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_companies_company ON contact_companies (workspace_id, company_id, contact_id);

-- Every change, written in the same transaction as the change itself; the
-- background consumers (audit, timeline, search, automation, webhooks) read
-- from here.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL,
    object       TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor_id     INTEGER,
    changes      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX outbox_workspace ON outbox (workspace_id, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE contact_companies;
DROP TABLE companies;
DROP TABLE contacts;
DROP TABLE custom_fields;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE workspaces;

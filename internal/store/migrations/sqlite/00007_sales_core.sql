-- The sales core: pipelines with stages and loss reasons, deals with their
-- contacts, the product catalogue, the activities (tasks, notes, calls and
-- meetings share one table, told apart by kind, so that a record's timeline
-- reads one index), and user-defined lists (their definitions, and their
-- records in one table told apart by kind).

-- +goose Up

CREATE TABLE pipelines (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT,
    position INTEGER,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id)
);

CREATE TABLE stages (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    pipeline_id INTEGER,
    name TEXT,
    position INTEGER,
    probability INTEGER,
    rotting_days INTEGER,
    required_fields TEXT,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id)
);

CREATE INDEX stages_pipeline ON stages (workspace_id, pipeline_id, position, id) WHERE deleted_at IS NULL;

CREATE TABLE loss_reasons (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT,
    position INTEGER,
    active INTEGER,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id)
);

CREATE TABLE deals (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    title TEXT,
    value TEXT,
    pipeline_id INTEGER,
    stage_id INTEGER,
    status TEXT,
    owner_id INTEGER,
    company_id INTEGER,
    expected_close_date TEXT,
    closed_at TEXT,
    source TEXT,
    loss_reason_id INTEGER,
    loss_note TEXT,
    stage_entered_at TEXT,
    line_items TEXT,
    tags TEXT,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id),
    FOREIGN KEY (workspace_id, stage_id) REFERENCES stages (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id),
    FOREIGN KEY (workspace_id, loss_reason_id) REFERENCES loss_reasons (workspace_id, id)
);

-- A board reads each stage's open deals; owners and companies list theirs.
CREATE INDEX deals_stage ON deals (workspace_id, stage_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_owner ON deals (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_company ON deals (workspace_id, company_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_title ON deals (workspace_id, title, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_updated_at ON deals (workspace_id, updated_at, id) WHERE deleted_at IS NULL;

CREATE TABLE deal_contacts (
    workspace_id INTEGER NOT NULL,
    deal_id      INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    role         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, deal_id, contact_id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_contacts_contact ON deal_contacts (workspace_id, contact_id, deal_id);

CREATE TABLE products (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT,
    sku TEXT,
    unit TEXT,
    price TEXT,
    tax_rate REAL,
    active INTEGER,
    stock REAL,
    low_stock_threshold REAL,
    description TEXT,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id)
);

CREATE INDEX products_name ON products (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX products_sku ON products (workspace_id, sku) WHERE deleted_at IS NULL;

CREATE TABLE price_lists (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT,
    currency TEXT,
    active INTEGER,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id)
);

CREATE TABLE activities (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    kind TEXT NOT NULL,
    title TEXT,
    body TEXT,
    type TEXT,
    due_at TEXT,
    done INTEGER,
    done_at TEXT,
    result TEXT,
    direction TEXT,
    phone TEXT,
    duration_seconds INTEGER,
    call_result TEXT,
    recording_url TEXT,
    started_at TEXT,
    starts_at TEXT,
    ends_at TEXT,
    place TEXT,
    record_type TEXT,
    record_id TEXT,
    owner_id INTEGER,
    occurred_at TEXT,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);

-- A record's timeline, newest first; an assignee's open tasks by due time;
-- the open tasks of a record (deals without a next step).
CREATE INDEX activities_record ON activities (workspace_id, record_type, record_id, occurred_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_kind_updated_at ON activities (workspace_id, kind, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_owner ON activities (workspace_id, kind, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_open_tasks ON activities (workspace_id, due_at, id) WHERE kind = 'task' AND done = 0 AND deleted_at IS NULL;
CREATE INDEX activities_record_open ON activities (workspace_id, record_type, record_id) WHERE kind = 'task' AND done = 0 AND deleted_at IS NULL;

CREATE TABLE meeting_attendees (
    workspace_id INTEGER NOT NULL,
    meeting_id   INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, meeting_id, contact_id),
    FOREIGN KEY (workspace_id, meeting_id) REFERENCES activities (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX meeting_attendees_contact ON meeting_attendees (workspace_id, contact_id, meeting_id);

-- User-defined lists: each workspace's definitions, and their records.
CREATE TABLE list_objects (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    plural       TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, name),
    UNIQUE (workspace_id, plural)
);

CREATE TABLE entries (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    kind TEXT NOT NULL,
    name TEXT,
    owner_id INTEGER,
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);

CREATE INDEX entries_name ON entries (workspace_id, kind, name, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_updated_at ON entries (workspace_id, kind, updated_at, id) WHERE deleted_at IS NULL;

-- Repeat customers: how often each is expected to buy, and when it last did.
ALTER TABLE contacts ADD COLUMN purchase_period_days INTEGER;
ALTER TABLE contacts ADD COLUMN last_purchase_on TEXT;
ALTER TABLE companies ADD COLUMN purchase_period_days INTEGER;
ALTER TABLE companies ADD COLUMN last_purchase_on TEXT;

-- +goose Down
ALTER TABLE companies DROP COLUMN last_purchase_on;
ALTER TABLE companies DROP COLUMN purchase_period_days;
ALTER TABLE contacts DROP COLUMN last_purchase_on;
ALTER TABLE contacts DROP COLUMN purchase_period_days;
DROP TABLE entries;
DROP TABLE list_objects;
DROP TABLE meeting_attendees;
DROP TABLE activities;
DROP TABLE price_lists;
DROP TABLE products;
DROP TABLE deal_contacts;
DROP TABLE deals;
DROP TABLE loss_reasons;
DROP TABLE stages;
DROP TABLE pipelines;

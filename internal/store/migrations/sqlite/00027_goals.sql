-- Goals: a target for a user, a team or the whole company, per month or
-- quarter, on one measure (won value, won count, new deals, calls, tasks
-- done). A money target is in minor units of its own currency. The spend
-- per acquisition channel (a deal's source) and month, which an
-- administrator enters, gives the acquisition cost per channel; the
-- digest's settings say what each user's morning e-mail holds.

-- +goose Up
CREATE TABLE goals (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    version      INTEGER NOT NULL DEFAULT 1,
    metric       TEXT NOT NULL CHECK (metric IN ('won_value', 'won_count', 'new_deals', 'calls', 'tasks_done')),
    subject      TEXT NOT NULL CHECK (subject IN ('user', 'team', 'company')),
    subject_id   INTEGER,
    period       TEXT NOT NULL,
    target       INTEGER NOT NULL,
    currency     TEXT,
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id)
);
CREATE INDEX goals_period ON goals (workspace_id, period, id);
CREATE INDEX goals_subject ON goals (workspace_id, subject, subject_id, period);

-- A goal's progress reads one period of one measure for every owner at
-- once (goals/progress.go), the indicators a period's closed deals
-- (goals/kpi.go): each index covers its read, so a month of a large
-- workspace is a range of index entries, not of rows.
CREATE INDEX goals_deals_closed ON deals (workspace_id, closed_at, status, owner_id, company_id, source, value_currency,
    value_amount, created_at) WHERE deleted_at IS NULL;
-- The indicators ask of each deal won whether its company had won before.
CREATE INDEX goals_won_by_company ON deals (workspace_id, company_id, closed_at) WHERE status = 'won' AND deleted_at IS NULL;
CREATE INDEX goals_deals_made ON deals (workspace_id, created_at, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX goals_calls ON activities (workspace_id, occurred_at, owner_id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX goals_tasks_done ON activities (workspace_id, done_at, owner_id) WHERE kind = 'task' AND done = 1 AND deleted_at IS NULL;

CREATE TABLE acquisition_spend (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    source       TEXT NOT NULL,
    month        TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, source, month)
);

-- The daily digest: the indicators a user chose (up to five, "kpi:<name>"
-- or "goal:<id>"), the hour of their morning it goes out at, and the last
-- day (in their time zone) it went out, which keeps it to once a day.
CREATE TABLE digest_settings (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL,
    indicators   TEXT NOT NULL DEFAULT '[]',
    hour         INTEGER NOT NULL DEFAULT 7,
    last_sent_on TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE digest_settings;
DROP TABLE acquisition_spend;
DROP INDEX goals_tasks_done;
DROP INDEX goals_calls;
DROP INDEX goals_deals_made;
DROP INDEX goals_won_by_company;
DROP INDEX goals_deals_closed;
DROP TABLE goals;

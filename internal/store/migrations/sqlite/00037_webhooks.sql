-- Outgoing webhooks (internal/webhook, docs/decisions/0045-webhooks.md):
-- the endpoints administrators subscribe, and one delivery per endpoint
-- and event, written by the outbox consumer in the transaction that moves
-- its position. A record's deliveries to one endpoint go out in id order:
-- the worker sends a delivery only when no earlier one of the same record
-- is still pending (webhook_deliveries_chain).

-- +goose Up
CREATE TABLE webhook_endpoints (
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    id             INTEGER PRIMARY KEY,
    url            TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    events         TEXT NOT NULL DEFAULT '[]',
    objects        TEXT NOT NULL DEFAULT '[]',
    allow_private  TEXT NOT NULL DEFAULT '',
    secret         TEXT NOT NULL,
    old_secret     TEXT,
    old_until      TEXT,
    status         TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_why   TEXT NOT NULL DEFAULT '',
    from_outbox_id INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (workspace_id, id)
);

CREATE TABLE webhook_deliveries (
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    id              INTEGER PRIMARY KEY,
    endpoint_id     INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    object          TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    outbox_id       INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         TEXT NOT NULL,
    lease_until     TEXT,
    last_at         TEXT,
    response_status INTEGER,
    response_body   TEXT,
    latency_ms      INTEGER,
    error           TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, endpoint_id, message_id),
    FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (workspace_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_chain ON webhook_deliveries (workspace_id, record_id, object, endpoint_id, id) WHERE status IN ('queued', 'pending');

-- +goose Down
DROP INDEX webhook_deliveries_chain;
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_log;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;

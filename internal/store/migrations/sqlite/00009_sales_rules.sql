-- The sales service's own tables: workspace settings (base currency,
-- negative stock), exchange rates, warehouses and stock per warehouse with
-- every movement (so that reopening a won deal puts back exactly what the
-- win took), price-list items, and the repeat-purchase reminders already
-- made. Deals get their value's amount and currency as columns of their
-- own, so that a board's counts and totals are read from one covering index.

-- +goose Up
CREATE TABLE workspace_settings (
    workspace_id         INTEGER PRIMARY KEY REFERENCES workspaces (id),
    base_currency        TEXT NOT NULL DEFAULT 'EUR',
    allow_negative_stock INTEGER NOT NULL DEFAULT 0,
    updated_at           TEXT NOT NULL
);

CREATE TABLE exchange_rates (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    currency     TEXT NOT NULL,
    valid_on     TEXT NOT NULL,
    rate         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, currency, valid_on)
);

CREATE TABLE warehouses (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    is_default   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, name)
);
CREATE UNIQUE INDEX warehouses_default ON warehouses (workspace_id) WHERE is_default = 1;

CREATE TABLE product_stock (
    workspace_id INTEGER NOT NULL,
    product_id   INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    quantity     REAL NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, product_id, warehouse_id),
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, warehouse_id) REFERENCES warehouses (workspace_id, id)
);

CREATE TABLE stock_movements (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    product_id   INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    delta        REAL NOT NULL,
    reason       TEXT NOT NULL,
    deal_id      INTEGER,
    user_id      INTEGER,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, warehouse_id) REFERENCES warehouses (workspace_id, id)
);
CREATE INDEX stock_movements_deal ON stock_movements (workspace_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX stock_movements_product ON stock_movements (workspace_id, product_id, id);

CREATE TABLE price_list_items (
    workspace_id  INTEGER NOT NULL,
    price_list_id INTEGER NOT NULL,
    product_id    INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, price_list_id, product_id),
    FOREIGN KEY (workspace_id, price_list_id) REFERENCES price_lists (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX price_list_items_product ON price_list_items (workspace_id, product_id, price_list_id);

CREATE TABLE repeat_purchase_tasks (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    record_type  TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    due_on       TEXT NOT NULL,
    task_id      INTEGER,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, record_type, record_id, due_on)
);

-- When the next purchase of a repeat customer is due; the reminder job
-- reads every workspace's due ones from one index.
ALTER TABLE contacts ADD COLUMN purchase_due_on TEXT;
ALTER TABLE companies ADD COLUMN purchase_due_on TEXT;
CREATE INDEX contacts_purchase_due ON contacts (purchase_due_on, workspace_id, id) WHERE purchase_due_on IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX companies_purchase_due ON companies (purchase_due_on, workspace_id, id) WHERE purchase_due_on IS NOT NULL AND deleted_at IS NULL;

-- SQLite answers from an index alone only when it holds plain columns
-- (not generated ones, and not a partial index filtered on a column it
-- lacks), so the value's parts are copied by triggers and the index
-- carries deleted_at.
ALTER TABLE deals ADD COLUMN value_amount INTEGER;
ALTER TABLE deals ADD COLUMN value_currency TEXT;
UPDATE deals SET value_amount = json_extract(value, '$.amount'), value_currency = json_extract(value, '$.currency')
WHERE value IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER deals_value_insert AFTER INSERT ON deals WHEN NEW.value IS NOT NULL
BEGIN
    UPDATE deals SET value_amount = json_extract(NEW.value, '$.amount'), value_currency = json_extract(NEW.value, '$.currency')
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER deals_value_update AFTER UPDATE OF value ON deals
BEGIN
    UPDATE deals SET value_amount = json_extract(NEW.value, '$.amount'), value_currency = json_extract(NEW.value, '$.currency')
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- A board: each stage's open deals by owner (a salesperson's own), with
-- what its counts and totals need, so they never touch the table.
CREATE INDEX deals_board ON deals (workspace_id, stage_id, status, owner_id, id, deleted_at, value_currency, value_amount);
-- Rotting deals: a stage's open deals by how long they have been in it.
CREATE INDEX deals_stage_entered ON deals (workspace_id, stage_id, status, stage_entered_at, id) WHERE deleted_at IS NULL;
-- Deals without a next task walk the open deals in id order.
CREATE INDEX deals_status ON deals (workspace_id, status, id) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX deals_status;
DROP INDEX deals_stage_entered;
DROP INDEX deals_board;
DROP TRIGGER deals_value_update;
DROP TRIGGER deals_value_insert;
ALTER TABLE deals DROP COLUMN value_currency;
ALTER TABLE deals DROP COLUMN value_amount;
DROP INDEX companies_purchase_due;
DROP INDEX contacts_purchase_due;
ALTER TABLE companies DROP COLUMN purchase_due_on;
ALTER TABLE contacts DROP COLUMN purchase_due_on;
DROP TABLE repeat_purchase_tasks;
DROP TABLE price_list_items;
DROP TABLE stock_movements;
DROP TABLE product_stock;
DROP TABLE warehouses;
DROP TABLE exchange_rates;
DROP TABLE workspace_settings;

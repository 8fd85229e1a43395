-- Scores (docs/decisions/0031-scores.md): a lead score kept on contacts
-- and deals from the administrators' rules, a deal's win probability and
-- a customer's churn risk (whole percents) from each workspace's fitted
-- models. All are read-only fields: only the scores service writes them.

-- +goose Up
-- scores: begin
ALTER TABLE contacts ADD COLUMN lead_score INTEGER;
ALTER TABLE contacts ADD COLUMN churn_risk INTEGER;
ALTER TABLE companies ADD COLUMN churn_risk INTEGER;
ALTER TABLE deals ADD COLUMN lead_score INTEGER;
ALTER TABLE deals ADD COLUMN win_probability INTEGER;
CREATE INDEX contacts_by_lead_score ON contacts (workspace_id, lead_score, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_churn_risk ON contacts (workspace_id, churn_risk, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_churn_risk ON companies (workspace_id, churn_risk, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_lead_score ON deals (workspace_id, lead_score, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_win_probability ON deals (workspace_id, win_probability, id) WHERE deleted_at IS NULL;

-- The points administrators give: to a field's value (kind 'field': field
-- and value) or to an activity logged on the record (kind 'activity').
CREATE TABLE score_rules (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    object       TEXT NOT NULL CHECK (object IN ('contact', 'deal')),
    kind         TEXT NOT NULL CHECK (kind IN ('field', 'activity')),
    field        TEXT NOT NULL DEFAULT '',
    value        TEXT NOT NULL DEFAULT '',
    activity     TEXT NOT NULL DEFAULT '',
    points       INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id)
);
CREATE INDEX score_rules_object ON score_rules (workspace_id, object, id);

-- Each workspace's fitted models, one per kind ('win', 'churn'), with
-- what the administrator is shown: the held-out AUC and the factors.
CREATE TABLE score_models (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    kind         TEXT NOT NULL CHECK (kind IN ('win', 'churn')),
    status       TEXT NOT NULL CHECK (status IN ('ready', 'too_little')),
    positives    INTEGER NOT NULL DEFAULT 0,
    negatives    INTEGER NOT NULL DEFAULT 0,
    auc          REAL,
    model        TEXT,
    trained_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, kind)
);
-- scores: end

-- +goose Down
DROP TABLE score_models;
DROP TABLE score_rules;
DROP INDEX deals_by_win_probability;
DROP INDEX deals_by_lead_score;
DROP INDEX companies_by_churn_risk;
DROP INDEX contacts_by_churn_risk;
DROP INDEX contacts_by_lead_score;
ALTER TABLE deals DROP COLUMN win_probability;
ALTER TABLE deals DROP COLUMN lead_score;
ALTER TABLE companies DROP COLUMN churn_risk;
ALTER TABLE contacts DROP COLUMN churn_risk;
ALTER TABLE contacts DROP COLUMN lead_score;

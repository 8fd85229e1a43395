-- Mail templates (internal/letter, docs/decisions/0056-mail-templates.md):
-- a subject and a body per UI language, with merge fields filled from the
-- record a letter is written for; and each user's signature.

-- +goose Up
CREATE TABLE mail_templates (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    object       TEXT NOT NULL CHECK (object IN ('contact', 'deal')),
    versions     TEXT NOT NULL, -- {"en": {"subject": …, "body": …}, …}
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE mail_signatures (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL,
    body         TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

-- +goose Down
DROP TABLE mail_signatures;
DROP TABLE mail_templates;

-- Saved views of a list: the columns, sort and filter a user chose, by
-- field name only, so that a field a role hides stays hidden when the view
-- is opened by someone in that role. A view is its owner's, or shared
-- with the owner's team, or with the whole workspace.

-- +goose Up
CREATE TABLE list_views (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    object       TEXT NOT NULL,
    name         TEXT NOT NULL,
    owner_id     INTEGER NOT NULL,
    visibility   TEXT NOT NULL CHECK (visibility IN ('private', 'team', 'workspace')),
    team_id      INTEGER,
    columns      TEXT NOT NULL DEFAULT '[]',
    sort         TEXT NOT NULL DEFAULT '',
    filter       TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX list_views_object ON list_views (workspace_id, object, name);

-- +goose Down
DROP TABLE list_views;

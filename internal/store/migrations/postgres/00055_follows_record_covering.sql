-- The followers of a record are read for every note written about it
-- (SELECT user_id … WHERE workspace_id, record_type, record_id ORDER BY
-- user_id). With the record's index alone, SQLite's planner (and
-- PostgreSQL's, before it has the table's statistics) preferred the
-- primary key, which is ordered by user and holds every column the query
-- needs, and read every follow of the workspace for each note: an import
-- follows every record it creates, so a workspace soon has a million.
-- With the user in the record's index, that index answers the query
-- alone, in order.

-- +goose Up
DROP INDEX follows_record;
CREATE INDEX follows_record ON follows (workspace_id, record_type, record_id, user_id);

-- +goose Down
DROP INDEX follows_record;
CREATE INDEX follows_record ON follows (workspace_id, record_type, record_id);

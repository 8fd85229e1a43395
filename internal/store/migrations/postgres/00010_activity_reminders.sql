-- Activities and notifications: a logged call keeps the number as it was
-- typed beside its E.164 form; a task remembers how far its reminders got
-- (0 none, 1 due soon, 2 overdue), so that the reminder job reads only the
-- tasks still owed one instead of every overdue task every minute. The
-- inbox lists a user's unread notifications, and the mailer finds the ones
-- not yet mailed, each from an index of its own. The live stream reads new
-- notifications of every workspace by id, which the primary key, led by
-- workspace_id, cannot serve.

-- +goose Up
ALTER TABLE activities ADD COLUMN phone_typed TEXT;
ALTER TABLE activities ADD COLUMN reminder_level INTEGER NOT NULL DEFAULT 0;
CREATE INDEX activities_reminders ON activities (due_at, id)
    WHERE kind = 'task' AND done = false AND deleted_at IS NULL AND reminder_level < 2;

CREATE INDEX notifications_unread ON notifications (workspace_id, user_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_unmailed ON notifications (id) WHERE mailed_at IS NULL;
CREATE INDEX notifications_id ON notifications (id);

-- +goose Down
DROP INDEX notifications_id;
DROP INDEX notifications_unmailed;
DROP INDEX notifications_unread;
DROP INDEX activities_reminders;
ALTER TABLE activities DROP COLUMN reminder_level;
ALTER TABLE activities DROP COLUMN phone_typed;

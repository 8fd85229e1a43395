-- Mail waiting for the mail server (internal/mail Queue): the composed
-- message, apart from the job that delivers it, so that the jobs' views
-- never show a message's text (a password-reset link, say). A row goes
-- once the server has accepted its message.

-- +goose Up
CREATE TABLE outgoing_mail (
    id         BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL, -- the composed message, 7-bit (MIME-encoded)
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE outgoing_mail;

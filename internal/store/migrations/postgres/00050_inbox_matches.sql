-- A contact's or company's page lists the inbox requests matched to it
-- (their likely duplicates waiting in the inbox): an index per link, so
-- that the page reads only those.

-- +goose Up
CREATE INDEX inbox_requests_contact ON inbox_requests (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX inbox_requests_company ON inbox_requests (workspace_id, company_id) WHERE company_id IS NOT NULL;

-- +goose Down
DROP INDEX inbox_requests_company;
DROP INDEX inbox_requests_contact;

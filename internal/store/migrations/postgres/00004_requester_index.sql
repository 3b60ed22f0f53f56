-- +goose Up
-- A requester's tickets outside a company are found from the index alone.
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id, company_id);

-- +goose Down
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id);

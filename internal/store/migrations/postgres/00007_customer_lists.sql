-- +goose Up
-- A customer's lists and counts read the tickets they may see from these
-- two indexes alone (store.scopeSources): each holds every column a view
-- filters or sorts on without a text or property condition.
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, company_id);
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, requester_id);

-- +goose Down
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, id);
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id, company_id);

-- +goose Up
-- A customer's list reads each ticket's updated_at with its id from the
-- requester and company indexes, to reuse the rows it read before
-- (store.pageRows) without visiting the table; the id after the last
-- activity gives the default order (last activity, then id) without a sort.
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, id, draft, stage_id, pipeline_id, created_at, closed_at, company_id, updated_at);
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, id, draft, stage_id, pipeline_id, created_at, closed_at, requester_id, updated_at);

-- +goose Down
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, requester_id);
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, company_id);

-- +goose Up
-- A customer's list reads the page's ids in the default order (last
-- activity, then id) from the requester's and the company's index without
-- a sort, with each ticket's updated_at, to reuse the rows it read before
-- (store.pageRows), as on SQLite (migration 00011 there).
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, id)
    INCLUDE (draft, stage_id, pipeline_id, created_at, closed_at, company_id, updated_at);
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, id)
    INCLUDE (draft, stage_id, pipeline_id, created_at, closed_at, requester_id, updated_at);

-- +goose Down
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, requester_id);
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, company_id);

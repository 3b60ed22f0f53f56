-- +goose Up
-- A search in a company's tickets finds ids in the company's range of the
-- text index, then each ticket's list columns here, by company and id,
-- without visiting the table (store.scopeBranches).
CREATE INDEX IF NOT EXISTS tickets_company_ids ON tickets (company_id, id, last_activity_at, draft, requester_id, stage_id, pipeline_id, created_at, closed_at, updated_at);

-- +goose Down
DROP INDEX tickets_company_ids;

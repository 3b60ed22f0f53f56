-- +goose Up
-- The desk's inbox reads one keyset page of a view through an index that
-- leads with the view's equality filters and ends with its sort key
-- (store.InboxTickets), so a page deep in a large view costs what the first does.
-- With tickets_owner (owner_id, id) and tickets_inbox (inbox_id, stage_id,
-- owner_id, id) these serve an inbox, a pipeline, a stage with or without
-- an owner, and "mine" or "unassigned" by last activity.
CREATE INDEX tickets_inbox_list ON tickets (inbox_id, id);
CREATE INDEX tickets_pipeline_list ON tickets (pipeline_id, id);
CREATE INDEX tickets_stage_list ON tickets (stage_id, owner_id, id);
CREATE INDEX tickets_owner_activity ON tickets (owner_id, last_activity_at, id);

-- +goose Down
DROP INDEX tickets_owner_activity;
DROP INDEX tickets_stage_list;
DROP INDEX tickets_pipeline_list;
DROP INDEX tickets_inbox_list;

-- +goose Up
-- A ticket's place in the queue (SPEC P16) is counted from this index alone:
-- the sent tickets of one stage, inbox and pipeline, in the order they
-- entered the stage.
CREATE INDEX tickets_queue ON tickets (stage_id, inbox_id, pipeline_id, draft, stage_entered_at, id);

-- +goose Down
DROP INDEX tickets_queue;

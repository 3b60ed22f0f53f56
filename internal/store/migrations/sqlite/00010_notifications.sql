-- +goose Up
-- Agents hear of new portal tickets, customer replies and ratings (SPEC
-- A9) in the desk and, unless they turn it off, by email as well.
ALTER TABLE agents ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 1;
-- Whoever watches a ticket's inbox is looked up each time it has news.
CREATE INDEX agent_inbox_watches_inbox ON agent_inbox_watches (inbox_id, agent_id);
-- An agent's notifications are deliveries of kind 'notification', pending
-- until read. Every desk page counts the unread ones.
CREATE INDEX deliveries_unread ON deliveries (agent_id, id) WHERE kind = 'notification' AND status = 'pending';

-- +goose Down
DROP INDEX deliveries_unread;
DROP INDEX agent_inbox_watches_inbox;
ALTER TABLE agents DROP COLUMN notify_email;

-- +goose Up
-- What a fresh installation starts with: one inbox, the "Support" pipeline,
-- the built-in ticket properties and the "support" portal.
INSERT INTO inboxes (name, created_at) VALUES ('Support', CURRENT_TIMESTAMP);

INSERT INTO pipelines (name, position, created_at) VALUES ('Support', 0, CURRENT_TIMESTAMP);

INSERT INTO stages (pipeline_id, name, state, waiting_for_acceptance, position, created_at)
SELECT p.id, s.name, s.state, s.waiting, s.position, CURRENT_TIMESTAMP
FROM pipelines p,
     (SELECT 'New' AS name, 'open' AS state, TRUE AS waiting, 0 AS position
      UNION ALL SELECT 'In progress', 'open', FALSE, 1
      UNION ALL SELECT 'Waiting on customer', 'open', FALSE, 2
      UNION ALL SELECT 'Closed', 'closed', FALSE, 3) s
WHERE p.name = 'Support';

INSERT INTO property_definitions (name, label, type, options, builtin, portal_visible, position, created_at, updated_at)
SELECT d.name, d.label::jsonb, d.type, d.options::jsonb, TRUE, d.visible, d.position, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM (SELECT 'id' AS name, '{"en":"ID"}' AS label, 'number' AS type, '[]' AS options, TRUE AS visible, 0 AS position
      UNION ALL SELECT 'subject', '{"en":"Subject"}', 'text', '[]', TRUE, 1
      UNION ALL SELECT 'requester', '{"en":"Requester"}', 'text', '[]', TRUE, 2
      UNION ALL SELECT 'company', '{"en":"Company"}', 'text', '[]', TRUE, 3
      UNION ALL SELECT 'created_at', '{"en":"Created"}', 'date', '[]', TRUE, 4
      UNION ALL SELECT 'owner', '{"en":"Owner"}', 'text', '[]', TRUE, 5
      UNION ALL SELECT 'last_activity_at', '{"en":"Last activity"}', 'date', '[]', TRUE, 6
      UNION ALL SELECT 'status', '{"en":"Status"}', 'single_select', '["open","closed"]', TRUE, 7
      UNION ALL SELECT 'stage', '{"en":"Stage"}', 'single_select', '[]', TRUE, 8
      UNION ALL SELECT 'pipeline', '{"en":"Pipeline"}', 'single_select', '[]', TRUE, 9
      UNION ALL SELECT 'inbox', '{"en":"Inbox"}', 'single_select', '[]', FALSE, 10
      UNION ALL SELECT 'priority', '{"en":"Priority"}', 'single_select', '["low","medium","high","urgent"]', TRUE, 11
      UNION ALL SELECT 'reply_channel', '{"en":"Reply channel"}', 'single_select', '["email","sms","portal"]', TRUE, 12
      UNION ALL SELECT 'source', '{"en":"Source"}', 'single_select', '["portal","api","email","desk","phone"]', FALSE, 13
      UNION ALL SELECT 'closed_at', '{"en":"Closed"}', 'date', '[]', TRUE, 14) d;

INSERT INTO portals (slug, name, languages, default_language, default_inbox_id, columns, created_at, updated_at)
SELECT 'support', 'Support', '["en","zh-CN","pl","sv"]'::jsonb, 'en', i.id,
       '["id","subject","requester","created_at","owner","last_activity_at","status"]'::jsonb,
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM inboxes i WHERE i.name = 'Support';

INSERT INTO portal_close_stages (portal_id, pipeline_id, stage_id)
SELECT po.id, s.pipeline_id, s.id
FROM portals po, stages s
WHERE po.slug = 'support' AND s.name = 'Closed';

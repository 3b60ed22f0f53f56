-- +goose Up
-- One search document per ticket replaces the two text indexes of the first
-- schema. ticket_docs holds each ticket's text, lower-cased: doc is the
-- subject and the public messages, notes the internal ones. Two indexes
-- follow it: ticket_search, trigrams of every script, for queries of three
-- or more characters, and ticket_grams, the single characters and pairs of
-- Chinese, Japanese and Korean text (search_grams), for the one- and
-- two-character words common there. Shorter queries in other scripts read
-- the documents themselves.
--
-- A document's key is its ticket's company id times 2^36 plus the ticket's
-- id, so the documents of one company are one range of keys: a customer's
-- search inside a company of thousands of tickets reads that range of an
-- index and nothing else. (Ticket ids stay below 2^36, company ids below
-- 2^27.) Triggers keep all of it current, and use the functions fold and
-- search_grams that Portico registers on its connections.
-- A requester's tickets outside a company are found from the index alone.
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id, company_id);

CREATE TABLE ticket_docs (
    key   INTEGER PRIMARY KEY,
    doc   TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE VIRTUAL TABLE ticket_search USING fts5 (doc, notes, content = 'ticket_docs', content_rowid = 'key', tokenize = 'trigram');
CREATE VIRTUAL TABLE ticket_grams USING fts5 (doc, notes, content = '', contentless_delete = 1, detail = column, tokenize = 'unicode61');

-- +goose StatementBegin
CREATE TRIGGER ticket_docs_insert AFTER INSERT ON ticket_docs BEGIN
    INSERT INTO ticket_search (rowid, doc, notes) VALUES (new.key, new.doc, new.notes);
    INSERT INTO ticket_grams (rowid, doc, notes)
        SELECT new.key, g.doc, g.notes FROM (SELECT search_grams(new.doc) AS doc, search_grams(new.notes) AS notes) g
        WHERE g.doc <> '' OR g.notes <> '';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_update AFTER UPDATE ON ticket_docs BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, doc, notes) VALUES ('delete', old.key, old.doc, old.notes);
    INSERT INTO ticket_search (rowid, doc, notes) VALUES (new.key, new.doc, new.notes);
    DELETE FROM ticket_grams WHERE rowid = old.key;
    INSERT INTO ticket_grams (rowid, doc, notes)
        SELECT new.key, g.doc, g.notes FROM (SELECT search_grams(new.doc) AS doc, search_grams(new.notes) AS notes) g
        WHERE g.doc <> '' OR g.notes <> '';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_delete AFTER DELETE ON ticket_docs BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, doc, notes) VALUES ('delete', old.key, old.doc, old.notes);
    DELETE FROM ticket_grams WHERE rowid = old.key;
END;
-- +goose StatementEnd

DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_update;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_update;
DROP TRIGGER messages_fts_delete;
DROP TABLE tickets_fts;
DROP TABLE messages_fts;

INSERT INTO ticket_docs (key, doc, notes)
SELECT (COALESCE(t.company_id, 0) << 36) | t.id,
       fold(t.subject || COALESCE(char(10) || (SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m
                                    WHERE m.ticket_id = t.id AND NOT m.internal), '')),
       fold(COALESCE((SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id AND m.internal), ''))
FROM tickets t ORDER BY 1;
INSERT INTO ticket_search (ticket_search) VALUES ('optimize');

-- +goose StatementBegin
CREATE TRIGGER ticket_docs_ticket_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_docs (key, doc, notes) VALUES ((COALESCE(new.company_id, 0) << 36) | new.id, fold(new.subject), '');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_ticket_update AFTER UPDATE OF subject, company_id ON tickets
WHEN old.subject IS NOT new.subject OR old.company_id IS NOT new.company_id BEGIN
    DELETE FROM ticket_docs WHERE key = (COALESCE(old.company_id, 0) << 36) | old.id;
    INSERT INTO ticket_docs (key, doc, notes)
        SELECT (COALESCE(t.company_id, 0) << 36) | t.id, fold(t.subject || COALESCE(char(10) || (SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m
                                    WHERE m.ticket_id = t.id AND NOT m.internal), '')), fold(COALESCE((SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id AND m.internal), ''))
        FROM tickets t WHERE t.id = new.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_ticket_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_docs WHERE key = (COALESCE(old.company_id, 0) << 36) | old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_message_insert AFTER INSERT ON messages BEGIN
    UPDATE ticket_docs SET
        doc = CASE WHEN new.internal THEN doc ELSE doc || char(10) || fold(new.body) END,
        notes = CASE WHEN NOT new.internal THEN notes WHEN notes = '' THEN fold(new.body) ELSE notes || char(10) || fold(new.body) END
    WHERE key = (SELECT (COALESCE(t.company_id, 0) << 36) | t.id FROM tickets t WHERE t.id = new.ticket_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_message_update AFTER UPDATE OF body, internal, ticket_id ON messages BEGIN
    UPDATE ticket_docs SET (doc, notes) = (SELECT fold(t.subject || COALESCE(char(10) || (SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m
                                    WHERE m.ticket_id = t.id AND NOT m.internal), '')), fold(COALESCE((SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id AND m.internal), '')) FROM tickets t WHERE t.id = old.ticket_id)
    WHERE key = (SELECT (COALESCE(t.company_id, 0) << 36) | t.id FROM tickets t WHERE t.id = old.ticket_id);
    UPDATE ticket_docs SET (doc, notes) = (SELECT fold(t.subject || COALESCE(char(10) || (SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m
                                    WHERE m.ticket_id = t.id AND NOT m.internal), '')), fold(COALESCE((SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id AND m.internal), '')) FROM tickets t WHERE t.id = new.ticket_id)
    WHERE new.ticket_id <> old.ticket_id AND key = (SELECT (COALESCE(t.company_id, 0) << 36) | t.id FROM tickets t WHERE t.id = new.ticket_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_message_delete AFTER DELETE ON messages BEGIN
    UPDATE ticket_docs SET (doc, notes) = (SELECT fold(t.subject || COALESCE(char(10) || (SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m
                                    WHERE m.ticket_id = t.id AND NOT m.internal), '')), fold(COALESCE((SELECT group_concat(m.body, char(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id AND m.internal), '')) FROM tickets t WHERE t.id = old.ticket_id)
    WHERE key = (SELECT (COALESCE(t.company_id, 0) << 36) | t.id FROM tickets t WHERE t.id = old.ticket_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id);
DROP TRIGGER ticket_docs_ticket_insert;
DROP TRIGGER ticket_docs_ticket_update;
DROP TRIGGER ticket_docs_ticket_delete;
DROP TRIGGER ticket_docs_message_insert;
DROP TRIGGER ticket_docs_message_update;
DROP TRIGGER ticket_docs_message_delete;
DROP TRIGGER ticket_docs_insert;
DROP TRIGGER ticket_docs_update;
DROP TRIGGER ticket_docs_delete;
DROP TABLE ticket_search;
DROP TABLE ticket_grams;
DROP TABLE ticket_docs;
CREATE VIRTUAL TABLE tickets_fts USING fts5 (subject, tokenize = 'trigram');
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, ticket_id UNINDEXED, internal UNINDEXED, tokenize = 'trigram');

-- +goose StatementBegin
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
    UPDATE tickets_fts SET subject = new.subject WHERE rowid = new.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM tickets_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body, ticket_id, internal) VALUES (new.id, new.body, new.ticket_id, new.internal);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, internal ON messages BEGIN
    UPDATE messages_fts SET body = new.body, internal = new.internal WHERE rowid = new.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd
INSERT INTO tickets_fts (rowid, subject) SELECT id, subject FROM tickets;
INSERT INTO messages_fts (rowid, body, ticket_id, internal) SELECT id, body, ticket_id, internal FROM messages;

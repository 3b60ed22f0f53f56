-- +goose Up
-- A customer's lists and counts read the tickets they may see from these
-- two indexes alone (store.scopeSources): each holds every column a view
-- filters or sorts on without a text or property condition.
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, company_id);
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, last_activity_at, draft, stage_id, pipeline_id, created_at, closed_at, requester_id);


-- The text indexes are brought up to date once per write transaction, just
-- before it commits (store.flushSearch), instead of statement by statement:
-- a text index writes out what it holds at every statement of a
-- transaction, and a transaction of many statements left it in many small
-- pieces. search_pending lists the documents changed since, with the text
-- the index holds for them (none for a new one).
CREATE TABLE search_pending (
    key       INTEGER PRIMARY KEY,
    old_doc   TEXT,
    old_notes TEXT
);
DROP TRIGGER ticket_docs_insert;
DROP TRIGGER ticket_docs_update;
DROP TRIGGER ticket_docs_delete;
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_insert AFTER INSERT ON ticket_docs BEGIN
    INSERT OR IGNORE INTO search_pending (key) VALUES (new.key);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_update AFTER UPDATE ON ticket_docs BEGIN
    INSERT OR IGNORE INTO search_pending (key, old_doc, old_notes) VALUES (old.key, old.doc, old.notes);
    INSERT OR IGNORE INTO search_pending (key) VALUES (new.key);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_docs_delete AFTER DELETE ON ticket_docs BEGIN
    INSERT OR IGNORE INTO search_pending (key, old_doc, old_notes) VALUES (old.key, old.doc, old.notes);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER ticket_docs_insert;
DROP TRIGGER ticket_docs_update;
DROP TRIGGER ticket_docs_delete;
DROP TABLE search_pending;
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
DROP INDEX tickets_company;
CREATE INDEX tickets_company ON tickets (company_id, id);
DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (requester_id, id, company_id);

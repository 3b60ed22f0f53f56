-- +goose Up
-- One search document per ticket, as on SQLite (migration 00004 there):
-- doc is the subject and the public messages, notes the internal ones, both
-- lower-cased, so that "doc LIKE lower('%q%')" means what ILIKE on the
-- subject and on each message meant, read from one row per ticket instead
-- of every message of every ticket in view.
--
-- The documents carry their ticket's company, and the indexes lead with it
-- (btree_gin), so that a customer's search inside a company of thousands
-- of tickets looks up that company's entries only:
--   ticket_docs_doc    trigrams (pg_trgm), for queries of three characters
--                      or more; the desk's searches over all tickets use it
--                      too;
--   ticket_docs_grams  the single characters and pairs of Chinese, Japanese
--                      and Korean text (ticket_grams), for the one- and
--                      two-character words common there;
--   ticket_docs_notes  trigrams of the internal notes, for the desk.
-- Shorter queries in other scripts read the company's documents, found
-- through the company's entries of those indexes (store.pgCompanyMatch).
-- There is no btree on company_id: given one, the planner preferred reading
-- all of a company's documents to asking the trigram index.
--
-- The existing documents are written company by company, so that a
-- company's documents sit together in the table and in the indexes' lists
-- of rows, which makes a search inside a company read few pages. Later
-- documents are written where their tickets are created.
--
-- Triggers keep the documents current: a new ticket starts its document, a
-- new message is appended to it, and a change of subject, of a message's
-- text, ticket or visibility, or a message's deletion writes it again. The
-- two trigram indexes of the first schema served only searches, which no
-- longer read them.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- ticket_grams lists, once each, every character of s's runs of Chinese,
-- Japanese and Korean characters and every pair of neighbours within them.
-- Every gram of a text is a gram of any text that contains it, so
-- "ticket_grams(doc) @> ticket_grams(q)" holds for every document holding
-- q, whichever characters the ranges below count.
-- +goose StatementBegin
CREATE FUNCTION ticket_grams(s TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT g), '{}')
    FROM (SELECT substr(r, i, n) AS g
          FROM regexp_split_to_table(s, '[^\u1100-\u11ff\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3041-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc\U00020000-\U000323af]+') AS r,
               generate_series(1, length(r)) AS i, (VALUES (1), (2)) AS v (n)
          WHERE i + n - 1 <= length(r)) grams
$$;
-- +goose StatementEnd

CREATE TABLE ticket_docs (
    ticket_id  BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    company_id BIGINT,
    doc        TEXT NOT NULL,
    notes      TEXT NOT NULL
);

-- Tickets and messages written between the filling below and the triggers
-- would have no document: writes wait until this migration commits (reads
-- go on). On a million tickets that is a minute or two.
LOCK TABLE tickets, messages IN SHARE MODE;
SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO ticket_docs (ticket_id, company_id, doc, notes)
SELECT t.id, t.company_id, lower(t.subject || COALESCE(E'\n' || m.doc, '')), lower(COALESCE(m.notes, ''))
FROM tickets t
LEFT JOIN (SELECT ticket_id, string_agg(body, E'\n' ORDER BY id) FILTER (WHERE NOT internal) AS doc,
                  string_agg(body, E'\n' ORDER BY id) FILTER (WHERE internal) AS notes
           FROM messages GROUP BY ticket_id) m ON m.ticket_id = t.id
ORDER BY t.company_id, t.id;
CREATE INDEX ticket_docs_doc ON ticket_docs USING gin (company_id, doc gin_trgm_ops);
CREATE INDEX ticket_docs_grams ON ticket_docs USING gin (company_id, ticket_grams(doc));
CREATE INDEX ticket_docs_notes ON ticket_docs USING gin (notes gin_trgm_ops);
ANALYZE ticket_docs;

DROP INDEX tickets_subject_trgm;
DROP INDEX messages_body_trgm;

-- ticket_docs_write writes ticket tid's document again from its subject and
-- messages. The row is locked before they are read, so that they are read
-- after any other transaction that changed the document has committed
-- (each statement here sees what was committed when it began).
-- +goose StatementBegin
CREATE FUNCTION ticket_docs_write(tid BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM ticket_docs WHERE ticket_id = tid FOR UPDATE;
    UPDATE ticket_docs d
    SET company_id = t.company_id,
        doc = lower(t.subject || COALESCE(E'\n' || m.doc, '')),
        notes = lower(COALESCE(m.notes, ''))
    FROM tickets t,
         LATERAL (SELECT string_agg(body, E'\n' ORDER BY id) FILTER (WHERE NOT internal) AS doc,
                         string_agg(body, E'\n' ORDER BY id) FILTER (WHERE internal) AS notes
                  FROM messages WHERE ticket_id = tid) m
    WHERE d.ticket_id = tid AND t.id = tid;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ticket_docs_ticket_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_docs (ticket_id, company_id, doc, notes) VALUES (new.id, new.company_id, lower(new.subject), '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_docs_ticket_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_docs_ticket_insert();

-- +goose StatementBegin
CREATE FUNCTION ticket_docs_ticket_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF old.subject IS DISTINCT FROM new.subject THEN
        PERFORM ticket_docs_write(new.id);
    ELSE
        UPDATE ticket_docs SET company_id = new.company_id WHERE ticket_id = new.id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_docs_ticket_update AFTER UPDATE OF subject, company_id ON tickets
    FOR EACH ROW WHEN (old.subject IS DISTINCT FROM new.subject OR old.company_id IS DISTINCT FROM new.company_id)
    EXECUTE FUNCTION ticket_docs_ticket_update();

-- A new message is appended. Two transactions appending to one document
-- do not lose each other's text: the second UPDATE waits for the first
-- and appends to the row it committed.
-- +goose StatementBegin
CREATE FUNCTION ticket_docs_message_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF new.internal THEN
        UPDATE ticket_docs SET notes = CASE WHEN notes = '' THEN lower(new.body) ELSE notes || E'\n' || lower(new.body) END
        WHERE ticket_id = new.ticket_id;
    ELSE
        UPDATE ticket_docs SET doc = doc || E'\n' || lower(new.body) WHERE ticket_id = new.ticket_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_docs_message_insert AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION ticket_docs_message_insert();

-- +goose StatementBegin
CREATE FUNCTION ticket_docs_message_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ticket_docs_write(old.ticket_id);
    IF TG_OP = 'UPDATE' AND new.ticket_id <> old.ticket_id THEN
        PERFORM ticket_docs_write(new.ticket_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_docs_message_update AFTER UPDATE OF body, internal, ticket_id ON messages
    FOR EACH ROW WHEN (old.body IS DISTINCT FROM new.body OR old.internal IS DISTINCT FROM new.internal
                       OR old.ticket_id IS DISTINCT FROM new.ticket_id)
    EXECUTE FUNCTION ticket_docs_message_change();
CREATE TRIGGER ticket_docs_message_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION ticket_docs_message_change();

-- +goose Down
DROP TRIGGER ticket_docs_message_delete ON messages;
DROP TRIGGER ticket_docs_message_update ON messages;
DROP TRIGGER ticket_docs_message_insert ON messages;
DROP TRIGGER ticket_docs_ticket_update ON tickets;
DROP TRIGGER ticket_docs_ticket_insert ON tickets;
DROP FUNCTION ticket_docs_message_change();
DROP FUNCTION ticket_docs_message_insert();
DROP FUNCTION ticket_docs_ticket_update();
DROP FUNCTION ticket_docs_ticket_insert();
DROP FUNCTION ticket_docs_write(BIGINT);
DROP TABLE ticket_docs;
DROP FUNCTION ticket_grams(TEXT);
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX tickets_subject_trgm ON tickets USING gin (subject gin_trgm_ops);
CREATE INDEX messages_body_trgm ON messages USING gin (body gin_trgm_ops);

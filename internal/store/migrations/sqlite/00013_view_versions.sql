-- +goose Up
-- Customers' list pages and the tickets they open are kept in memory
-- (store.viewCache) with the versions of what they were read from: a
-- contact's own and shared tickets (key contact id * 4 + 1), a company's
-- tickets (company id * 4 + 2), and the stages, pipelines, inboxes and
-- agents' names (key 0). Every change that can alter what a customer reads
-- bumps its keys here, in the writer's transaction, whichever process
-- writes; a kept page or ticket is reused only while its keys read the
-- same. A missing key reads 0.
CREATE TABLE view_versions (
    key INTEGER PRIMARY KEY,
    v   INTEGER NOT NULL
);

-- The keys of each ticket: its requester's, its company's, and those of
-- the contacts it is shared with.
CREATE VIEW ticket_view_keys (ticket_id, k) AS
    SELECT id, requester_id * 4 + 1 FROM tickets
    UNION ALL SELECT id, company_id * 4 + 2 FROM tickets WHERE company_id IS NOT NULL
    UNION ALL SELECT ticket_id, contact_id * 4 + 1 FROM ticket_shares;

-- +goose StatementBegin
CREATE TRIGGER view_versions_ticket_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO view_versions (key, v) SELECT DISTINCT k, 1 FROM ticket_view_keys WHERE ticket_id = NEW.id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- A ticket that changes requester or company leaves a list as well.
-- +goose StatementBegin
CREATE TRIGGER view_versions_ticket_update AFTER UPDATE ON tickets BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT k FROM ticket_view_keys WHERE ticket_id = NEW.id
            UNION SELECT OLD.requester_id * 4 + 1
            UNION SELECT OLD.company_id * 4 + 2 WHERE OLD.company_id IS NOT NULL) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- Before, so that the shares are still there to be read.
-- +goose StatementBegin
CREATE TRIGGER view_versions_ticket_delete BEFORE DELETE ON tickets BEGIN
    INSERT INTO view_versions (key, v) SELECT DISTINCT k, 1 FROM ticket_view_keys WHERE ticket_id = OLD.id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_share_insert AFTER INSERT ON ticket_shares BEGIN
    INSERT INTO view_versions (key, v) VALUES (NEW.contact_id * 4 + 1, 1)
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_share_delete AFTER DELETE ON ticket_shares BEGIN
    INSERT INTO view_versions (key, v) VALUES (OLD.contact_id * 4 + 1, 1)
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- Public messages decide "waiting on me" and what a search finds, and are
-- what an opened ticket shows; ratings decide "rated by me". Each bumps
-- the keys of its ticket (and a rating those of who rated).
-- +goose StatementBegin
CREATE TRIGGER view_versions_message_insert AFTER INSERT ON messages WHEN NOT NEW.internal BEGIN
    INSERT INTO view_versions (key, v) SELECT DISTINCT k, 1 FROM ticket_view_keys WHERE ticket_id = NEW.ticket_id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_message_update AFTER UPDATE OF ticket_id, body, internal, author_type ON messages BEGIN
    INSERT INTO view_versions (key, v) SELECT DISTINCT k, 1 FROM ticket_view_keys WHERE ticket_id IN (NEW.ticket_id, OLD.ticket_id)
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_message_delete AFTER DELETE ON messages WHEN NOT OLD.internal BEGIN
    INSERT INTO view_versions (key, v) SELECT DISTINCT k, 1 FROM ticket_view_keys WHERE ticket_id = OLD.ticket_id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_rating_insert AFTER INSERT ON ratings BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT k FROM ticket_view_keys WHERE ticket_id = NEW.ticket_id
            UNION SELECT NEW.contact_id * 4 + 1 WHERE NEW.contact_id IS NOT NULL) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_rating_update AFTER UPDATE ON ratings BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT k FROM ticket_view_keys WHERE ticket_id IN (NEW.ticket_id, OLD.ticket_id)
            UNION SELECT NEW.contact_id * 4 + 1 WHERE NEW.contact_id IS NOT NULL
            UNION SELECT OLD.contact_id * 4 + 1 WHERE OLD.contact_id IS NOT NULL) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_rating_delete AFTER DELETE ON ratings BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT k FROM ticket_view_keys WHERE ticket_id = OLD.ticket_id
            UNION SELECT OLD.contact_id * 4 + 1 WHERE OLD.contact_id IS NOT NULL) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- Pages keep the names of requesters and companies: renaming a person or
-- a company bumps the keys of every ticket that shows the name.
-- +goose StatementBegin
CREATE TRIGGER view_versions_contact_name AFTER UPDATE OF first_name, last_name ON contacts
WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT NEW.id * 4 + 1 AS k
            UNION SELECT k FROM ticket_view_keys WHERE ticket_id IN (SELECT id FROM tickets WHERE requester_id = NEW.id)) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER view_versions_company_name AFTER UPDATE OF name ON companies WHEN OLD.name IS NOT NEW.name BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT NEW.id * 4 + 2 AS k
            UNION SELECT k FROM ticket_view_keys WHERE ticket_id IN (SELECT id FROM tickets WHERE company_id = NEW.id)) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- Key 0: views filter by stage state, waiting stages and the names of
-- stages, pipelines and inboxes; kept tickets show their owner's name.
-- +goose StatementBegin
CREATE TRIGGER view_versions_agent_name AFTER UPDATE OF name, alias ON agents
WHEN OLD.name IS NOT NEW.name OR OLD.alias IS NOT NEW.alias BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_stage_insert AFTER INSERT ON stages BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_stage_update AFTER UPDATE ON stages BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_stage_delete AFTER DELETE ON stages BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_pipeline_insert AFTER INSERT ON pipelines BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_pipeline_update AFTER UPDATE ON pipelines BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_pipeline_delete AFTER DELETE ON pipelines BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_inbox_insert AFTER INSERT ON inboxes BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_inbox_update AFTER UPDATE ON inboxes BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER view_versions_inbox_delete AFTER DELETE ON inboxes BEGIN
    INSERT INTO view_versions (key, v) VALUES (0, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER view_versions_inbox_delete;
DROP TRIGGER view_versions_inbox_update;
DROP TRIGGER view_versions_inbox_insert;
DROP TRIGGER view_versions_pipeline_delete;
DROP TRIGGER view_versions_pipeline_update;
DROP TRIGGER view_versions_pipeline_insert;
DROP TRIGGER view_versions_stage_delete;
DROP TRIGGER view_versions_stage_update;
DROP TRIGGER view_versions_stage_insert;
DROP TRIGGER view_versions_agent_name;
DROP TRIGGER view_versions_company_name;
DROP TRIGGER view_versions_contact_name;
DROP TRIGGER view_versions_rating_delete;
DROP TRIGGER view_versions_rating_update;
DROP TRIGGER view_versions_rating_insert;
DROP TRIGGER view_versions_message_delete;
DROP TRIGGER view_versions_message_update;
DROP TRIGGER view_versions_message_insert;
DROP TRIGGER view_versions_share_delete;
DROP TRIGGER view_versions_share_insert;
DROP TRIGGER view_versions_ticket_delete;
DROP TRIGGER view_versions_ticket_update;
DROP TRIGGER view_versions_ticket_insert;
DROP VIEW ticket_view_keys;
DROP TABLE view_versions;

-- +goose Up
-- A signed-in customer's account and identities are kept in memory
-- (store.viewCache) with the version of key account id * 4 + 3 in
-- view_versions, which every change to what they show bumps here, in the
-- writer's transaction: the account itself (a lock, a new password, the
-- profile), its identities, and the names and companies of its contacts.
-- +goose StatementBegin
CREATE TRIGGER account_versions_update AFTER UPDATE ON accounts BEGIN
    INSERT INTO view_versions (key, v) VALUES (NEW.id * 4 + 3, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO view_versions (key, v) VALUES (OLD.id * 4 + 3, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_identity_insert AFTER INSERT ON account_identities BEGIN
    INSERT INTO view_versions (key, v) VALUES (NEW.account_id * 4 + 3, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_identity_update AFTER UPDATE ON account_identities BEGIN
    INSERT INTO view_versions (key, v)
        SELECT k, 1 FROM (SELECT NEW.account_id * 4 + 3 AS k UNION SELECT OLD.account_id * 4 + 3) WHERE true
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_identity_delete AFTER DELETE ON account_identities BEGIN
    INSERT INTO view_versions (key, v) VALUES (OLD.account_id * 4 + 3, 1) ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_contact AFTER UPDATE OF first_name, last_name, company_id ON contacts
WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name OR OLD.company_id IS NOT NEW.company_id BEGIN
    INSERT INTO view_versions (key, v) SELECT account_id * 4 + 3, 1 FROM account_identities WHERE contact_id = NEW.id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_versions_company AFTER UPDATE OF name ON companies WHEN OLD.name IS NOT NEW.name BEGIN
    INSERT INTO view_versions (key, v)
        SELECT DISTINCT ai.account_id * 4 + 3, 1 FROM contacts c JOIN account_identities ai ON ai.contact_id = c.id
        WHERE c.company_id = NEW.id
        ON CONFLICT (key) DO UPDATE SET v = v + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER account_versions_company;
DROP TRIGGER account_versions_contact;
DROP TRIGGER account_versions_identity_delete;
DROP TRIGGER account_versions_identity_update;
DROP TRIGGER account_versions_identity_insert;
DROP TRIGGER account_versions_delete;
DROP TRIGGER account_versions_update;

-- +goose Up
-- Times are written by the application in UTC; booleans are 0/1.

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    alias         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    password_hash TEXT NOT NULL DEFAULT '',
    locked        INTEGER NOT NULL DEFAULT 0,
    language      TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    agent_id     INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    key_hash     BLOB NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_keys_agent ON api_keys (agent_id);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    domain     TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX companies_name ON companies (name);
CREATE UNIQUE INDEX companies_domain ON companies (domain) WHERE domain IS NOT NULL;

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT,
    phone      TEXT,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    language   TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_phone ON contacts (phone);
CREATE INDEX contacts_company ON contacts (company_id);

-- An account is what a customer signs in with; it is linked to one or more
-- contacts (its identities).
CREATE TABLE accounts (
    id                   INTEGER PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,
    login_kind           TEXT NOT NULL CHECK (login_kind IN ('email', 'phone')),
    password_hash        TEXT NOT NULL DEFAULT '',
    must_change_password INTEGER NOT NULL DEFAULT 0,
    display_name         TEXT NOT NULL DEFAULT '',
    language             TEXT NOT NULL DEFAULT '',
    avatar_key           TEXT,
    locked               INTEGER NOT NULL DEFAULT 0,
    verified_at          TIMESTAMP,
    password_changed_at  TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

CREATE TABLE account_identities (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, contact_id)
);

CREATE TABLE access_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE access_group_members (
    group_id   INTEGER NOT NULL REFERENCES access_groups (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_at   TIMESTAMP NOT NULL,
    invited_at TIMESTAMP,
    PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX access_group_members_contact ON access_group_members (contact_id);

CREATE TABLE inboxes (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agent_inbox_watches (
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, inbox_id)
);

CREATE TABLE pipelines (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE stages (
    id                     INTEGER PRIMARY KEY,
    pipeline_id            INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    state                  TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    waiting_for_acceptance INTEGER NOT NULL DEFAULT 0,
    position               INTEGER NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    UNIQUE (id, pipeline_id),
    CHECK (NOT (waiting_for_acceptance AND state = 'closed'))
);
CREATE INDEX stages_pipeline ON stages (pipeline_id, position);
CREATE UNIQUE INDEX stages_one_waiting ON stages (pipeline_id) WHERE waiting_for_acceptance;

-- Ticket properties: built-in ones describe ticket columns, custom ones
-- keep their values in tickets.properties.
CREATE TABLE property_definitions (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL DEFAULT '{}',
    type          TEXT NOT NULL CHECK (type IN ('text', 'long_text', 'number', 'date', 'single_select', 'multi_select', 'checkbox')),
    options       TEXT NOT NULL DEFAULT '[]',
    builtin       INTEGER NOT NULL DEFAULT 0,
    portal_visible INTEGER NOT NULL DEFAULT 1,
    position      INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE forms (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    inbox_id    INTEGER NOT NULL REFERENCES inboxes (id),
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
    fields      TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    subject          TEXT NOT NULL,
    requester_id     INTEGER NOT NULL REFERENCES contacts (id),
    company_id       INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    inbox_id         INTEGER NOT NULL REFERENCES inboxes (id),
    pipeline_id      INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id         INTEGER NOT NULL,
    owner_id         INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    priority         TEXT CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    source           TEXT NOT NULL CHECK (source IN ('portal', 'api', 'email', 'desk', 'phone')),
    reply_channel    TEXT NOT NULL DEFAULT 'email' CHECK (reply_channel IN ('email', 'sms', 'portal')),
    draft            INTEGER NOT NULL DEFAULT 0,
    properties       TEXT NOT NULL DEFAULT '{}',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP NOT NULL,
    stage_entered_at TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    FOREIGN KEY (stage_id, pipeline_id) REFERENCES stages (id, pipeline_id)
);
CREATE INDEX tickets_requester ON tickets (requester_id, id);
CREATE INDEX tickets_company ON tickets (company_id, id);
CREATE INDEX tickets_inbox ON tickets (inbox_id, stage_id, owner_id, id);
CREATE INDEX tickets_stage ON tickets (stage_id, stage_entered_at, id);
CREATE INDEX tickets_owner ON tickets (owner_id, id);
CREATE INDEX tickets_last_activity ON tickets (last_activity_at, id);

CREATE TABLE ticket_shares (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    shared_by  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticket_id, contact_id)
);
CREATE INDEX ticket_shares_contact ON ticket_shares (contact_id, ticket_id);

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_type       TEXT NOT NULL CHECK (author_type IN ('agent', 'contact', 'system')),
    author_agent_id   INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    author_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    body              TEXT NOT NULL,
    internal          INTEGER NOT NULL DEFAULT 0,
    resolution        INTEGER NOT NULL DEFAULT 0,
    channel           TEXT NOT NULL CHECK (channel IN ('portal', 'email', 'sms', 'api', 'desk')),
    email_message_id  TEXT,
    created_at        TIMESTAMP NOT NULL,
    CHECK (NOT (internal AND author_type = 'contact'))
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE UNIQUE INDEX messages_email_message_id ON messages (email_message_id) WHERE email_message_id IS NOT NULL;

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    blob_key     TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE ratings (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    agent_id   INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ratings_agent ON ratings (agent_id, created_at);

-- Portals: scalar settings are columns; structured ones are JSON documents.
CREATE TABLE portals (
    id                    INTEGER PRIMARY KEY,
    slug                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    domain                TEXT UNIQUE,
    enabled               INTEGER NOT NULL DEFAULT 1,
    languages             TEXT NOT NULL DEFAULT '["en"]',
    default_language      TEXT NOT NULL DEFAULT 'en',
    default_inbox_id      INTEGER NOT NULL REFERENCES inboxes (id),
    ticket_permission     TEXT NOT NULL DEFAULT 'own' CHECK (ticket_permission IN ('own', 'company')),
    access_mode           TEXT NOT NULL DEFAULT 'self_registration' CHECK (access_mode IN ('self_registration', 'access_groups', 'sso_all', 'sso_groups')),
    consent_text          TEXT NOT NULL DEFAULT '',
    consent_checkbox_label TEXT NOT NULL DEFAULT '',
    ticket_label          TEXT NOT NULL DEFAULT '{}',
    columns               TEXT NOT NULL DEFAULT '[]',
    visibility_filters    TEXT NOT NULL DEFAULT '[]',
    owner_display         TEXT NOT NULL DEFAULT 'first_name' CHECK (owner_display IN ('first_name', 'full_name', 'last_name', 'alias')),
    show_custom_stages    INTEGER NOT NULL DEFAULT 0,
    allow_reply_to_closed INTEGER NOT NULL DEFAULT 0,
    allow_customer_close  INTEGER NOT NULL DEFAULT 0,
    support_form_id       INTEGER REFERENCES forms (id) ON DELETE SET NULL,
    form_menu_text        TEXT NOT NULL DEFAULT '{}',
    form_title            TEXT NOT NULL DEFAULT '{}',
    idle_timeout_minutes  INTEGER NOT NULL DEFAULT 30,
    theme                 TEXT NOT NULL DEFAULT '{}',
    nav_menu              TEXT NOT NULL DEFAULT '[]',
    system_pages          TEXT NOT NULL DEFAULT '{}',
    sso                   TEXT NOT NULL DEFAULT '{}',
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);

CREATE TABLE portal_access_groups (
    portal_id INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES access_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (portal_id, group_id)
);

CREATE TABLE portal_close_stages (
    portal_id   INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    pipeline_id INTEGER NOT NULL,
    stage_id    INTEGER NOT NULL,
    PRIMARY KEY (portal_id, pipeline_id),
    FOREIGN KEY (stage_id, pipeline_id) REFERENCES stages (id, pipeline_id) ON DELETE CASCADE
);

-- Consent given at registration, with the text the person agreed to.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    portal_id   INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    client_addr TEXT NOT NULL DEFAULT ''
);

-- Single sign-on links: a provider's stable subject to an account/contact.
CREATE TABLE sso_links (
    portal_id  INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL CHECK (provider IN ('saml', 'jwt', 'oidc')),
    subject    TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (portal_id, provider, subject)
);

-- Single-use tokens (JWT jti, SAML assertion ids, OIDC codes) until expiry.
CREATE TABLE used_tokens (
    kind       TEXT NOT NULL,
    token_id   TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, token_id)
);

-- Verification codes and one-time links (password reset, registration,
-- invitations, set-password); only hashes are stored.
CREATE TABLE verification_codes (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('password_reset', 'registration', 'invitation', 'set_password')),
    portal_id   INTEGER REFERENCES portals (id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    destination TEXT NOT NULL,
    code_hash   BLOB NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    payload     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX verification_codes_destination ON verification_codes (purpose, destination, created_at);

-- Rate-limit counters shared by every instance.
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    token_hash        BLOB NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('customer', 'agent')),
    portal_id         INTEGER REFERENCES portals (id) ON DELETE CASCADE,
    account_id        INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    active_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    agent_id          INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    client_addr       TEXT NOT NULL DEFAULT '',
    user_agent        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    last_seen_at      TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    CHECK ((kind = 'customer' AND account_id IS NOT NULL AND portal_id IS NOT NULL) OR (kind = 'agent' AND agent_id IS NOT NULL))
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_agent ON sessions (agent_id);

-- The timeline: every change to a ticket, contact, setting or account.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('agent', 'contact', 'system')),
    actor_id   INTEGER,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_ticket ON events (ticket_id, id);
CREATE INDEX events_contact ON events (contact_id, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_type  TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL DEFAULT '',
    before      TEXT,
    after       TEXT,
    client_addr TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at, id);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The durable outbox: emails, SMS, webhooks and agent notifications are
-- written here in the transaction of the change that caused them.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('email', 'sms', 'webhook', 'notification')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '{}',
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    agent_id        INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    webhook_id      INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'held', 'read')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_recipient ON deliveries (recipient, id);
CREATE INDEX deliveries_agent ON deliveries (agent_id, id);

-- Full-text search (trigram: works for Chinese, Polish and Swedish alike).
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


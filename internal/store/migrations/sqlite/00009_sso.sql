-- +goose Up
-- A person signed in through single sign-on is known by a stable
-- identifier of one identity provider: the SAML NameID, the JWT subject or
-- the OIDC sub, under the provider's issuer. One such identity belongs to
-- one account and is never matched to another provider's by email alone.
-- It replaces sso_links, which nothing used.
DROP TABLE sso_links;
CREATE TABLE external_identities (
    id           INTEGER PRIMARY KEY,
    provider     TEXT NOT NULL CHECK (provider IN ('saml', 'jwt', 'oidc')),
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    portal_id    INTEGER REFERENCES portals (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    UNIQUE (provider, issuer, subject)
);
CREATE INDEX external_identities_account ON external_identities (account_id);

-- Sign-ins under way: a SAML request's id or an OIDC state, kept as a
-- hash until the provider answers, used once.
CREATE TABLE sso_requests (
    key_hash   BLOB PRIMARY KEY,
    portal_id  INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL CHECK (provider IN ('saml', 'oidc')),
    nonce      TEXT NOT NULL DEFAULT '',
    verifier   TEXT NOT NULL DEFAULT '',
    next       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);
CREATE INDEX used_tokens_expires ON used_tokens (expires_at);

-- +goose Down
DROP INDEX used_tokens_expires;
DROP TABLE sso_requests;
DROP TABLE external_identities;
CREATE TABLE sso_links (
    portal_id  INTEGER NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL CHECK (provider IN ('saml', 'jwt', 'oidc')),
    subject    TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (portal_id, provider, subject)
);

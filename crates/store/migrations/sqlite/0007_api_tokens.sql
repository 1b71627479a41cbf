-- API tokens for other departments' systems: a region scope and a list of
-- readable fields; only a hash of the token is stored.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL,
    fields      TEXT NOT NULL,          -- JSON list of field names
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);

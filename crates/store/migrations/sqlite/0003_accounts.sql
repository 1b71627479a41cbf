-- Accounts and their roles per region (one account, many roles).
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT,
    password_hash       TEXT NOT NULL,          -- Argon2id PHC string
    status              TEXT NOT NULL DEFAULT 'active',   -- active | disabled
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE grants (
    user_id     INTEGER NOT NULL,
    role        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    PRIMARY KEY (user_id, role, region_code)
) WITHOUT ROWID;

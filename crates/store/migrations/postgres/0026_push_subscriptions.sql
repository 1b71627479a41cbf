-- Push subscriptions (issue 15): a department's system that wants the feed
-- delivered to its own address (a webhook), with the secret its deliveries
-- are signed with (HMAC-SHA256), where in the feed it stands, and how its
-- deliveries fare: after repeated failures it is paused until an
-- administrator resumes it. It reads what its API token reads.
CREATE TABLE push_subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    token_name      TEXT NOT NULL REFERENCES api_tokens (name),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    cursor          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'active',   -- active | paused
    failures        INTEGER NOT NULL DEFAULT 0,       -- in a row
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    last_success_at TIMESTAMPTZ,
    delivered       BIGINT NOT NULL DEFAULT 0,        -- events delivered so far
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (token_name, url)
);

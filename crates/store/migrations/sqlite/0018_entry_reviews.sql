-- Where the province switches it on, an entry made by a village collector
-- waits for the township's review (审核): approved, or returned (退回) with
-- a reason for the collector to correct and send again. The entry itself is
-- in the register at once; the review is the township's confirmation.
CREATE TABLE entry_reviews (
    id          INTEGER PRIMARY KEY,
    event_id    BIGINT NOT NULL UNIQUE,
    person_id   BIGINT NOT NULL,
    region_code TEXT NOT NULL,      -- the village of the person after the entry
    kind        TEXT NOT NULL,      -- the event's kind
    recorder    TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',  -- pending | approved | returned
    reviewer    TEXT,
    reason      TEXT,               -- why it was returned, or the collector's reply
    reviewed_at TEXT
);
CREATE INDEX entry_reviews_state ON entry_reviews (state, region_code);

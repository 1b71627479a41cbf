-- Tokens that exchange (issue 15): besides reading its region's persons, a
-- token so marked is another region's or department's system that sends
-- notices and answers to the platform (still reading only its fields).
ALTER TABLE api_tokens ADD COLUMN exchanges BOOLEAN NOT NULL DEFAULT false;

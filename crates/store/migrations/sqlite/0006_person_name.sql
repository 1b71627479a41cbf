-- Person search by name (exact full name, then narrowed by region).
CREATE INDEX persons_name ON persons (name);

-- An event recorded on a person settles the open findings it answers (a
-- death the "dead, not deregistered" task): those are looked up by person
-- in the event's transaction.
CREATE INDEX verification_tasks_open_person ON verification_tasks (person_id) WHERE status = 'open';

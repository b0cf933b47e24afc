-- Technicians' work on a ticket (the console): who has it and how urgent it is.
-- priority uses seed 004's four words, so the wallboard shows them as they are.
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('critical', 'high', 'medium', 'low'));
ALTER TABLE tickets ADD COLUMN assignee TEXT;         -- the console account's username; NULL: nobody has it yet
ALTER TABLE tickets ADD COLUMN assignee_name TEXT;    -- that account's name when it was assigned (what screens show)
CREATE INDEX tickets_assignee ON tickets (assignee, status);
CREATE INDEX tickets_created ON tickets (created_at);

-- Technicians' work on a ticket (the console): who has it and how urgent it is.
-- priority uses seed 004's four words, so the wallboard shows them as they are.
ALTER TABLE tickets
  ADD COLUMN priority ENUM('critical', 'high', 'medium', 'low') NOT NULL DEFAULT 'medium',
  ADD COLUMN assignee VARCHAR(100) NULL,         -- the console account's username; NULL: nobody has it yet
  ADD COLUMN assignee_name VARCHAR(200) NULL,    -- that account's name when it was assigned (what screens show)
  ADD KEY tickets_assignee (assignee, status),
  ADD KEY tickets_created (created_at);

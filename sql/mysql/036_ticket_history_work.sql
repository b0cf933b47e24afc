-- A history entry may record work besides a status move: the assignee set (or cleared) and the
-- priority set. from_status = to_status when the status did not change.
ALTER TABLE ticket_history
  ADD COLUMN assignee_changed TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN assignee_name VARCHAR(200) NULL,   -- the new assignee's name; NULL with assignee_changed = 1: unassigned
  ADD COLUMN priority VARCHAR(16) NULL;         -- the new priority, when it changed

-- A history entry may record work besides a status move: the assignee set (or cleared) and the
-- priority set. from_status = to_status when the status did not change.
ALTER TABLE ticket_history ADD COLUMN assignee_changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_history ADD COLUMN assignee_name TEXT;    -- the new assignee's name; NULL with assignee_changed = 1: unassigned
ALTER TABLE ticket_history ADD COLUMN priority TEXT;         -- the new priority, when it changed

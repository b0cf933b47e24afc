-- The GLPI rows our users and services stand for (ura users/catalogue sync-glpi fill them in):
-- a ticket's requester is the user's GLPI id, its category the leaf's ITIL category.
ALTER TABLE users ADD COLUMN glpi_id BIGINT NULL, ADD UNIQUE KEY users_glpi (glpi_id);
ALTER TABLE services ADD COLUMN glpi_category_id BIGINT NULL;

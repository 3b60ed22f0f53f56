-- +goose Up
-- A consent records both things the person saw when registering (SPEC I1):
-- the notice and the label of the box they ticked.
ALTER TABLE consents ADD COLUMN label TEXT NOT NULL DEFAULT '';
CREATE INDEX consents_contact ON consents (contact_id);

-- +goose Down
DROP INDEX consents_contact;
ALTER TABLE consents DROP COLUMN label;

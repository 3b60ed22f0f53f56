-- +goose Up
-- A worker sending a delivery holds it under a token of its own until
-- claimed_until; only the holder of the token records how it went, so a
-- worker whose claim lapsed and was taken over cannot overwrite the outcome.
ALTER TABLE deliveries ADD COLUMN claim_token TEXT;
-- Workers look for due deliveries of the kinds they send; agent
-- notifications, never sent by them, stay out of the way.
CREATE INDEX deliveries_claim ON deliveries (status, kind, next_attempt_at);

-- +goose Down
DROP INDEX deliveries_claim;
ALTER TABLE deliveries DROP COLUMN claim_token;

-- What a person wrote about why they want to join (read by moderators when
-- registrations need approval) and the interface language they chose, both
-- given at sign-up. Existing accounts have neither.
ALTER TABLE accounts ADD COLUMN sign_up_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN locale         TEXT NOT NULL DEFAULT '';

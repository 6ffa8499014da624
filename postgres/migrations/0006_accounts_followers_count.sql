-- The timeline engine starts by reading the accounts with more followers
-- than its fan-out threshold (their posts are merged into home timelines
-- on read): a range of this index, however many accounts there are.
CREATE INDEX accounts_followers_count_idx ON accounts (followers_count);

-- A sync finds what it wrote for a person by the feed and the key, before it reads the
-- person's entry: the row's own fingerprint (row_print: the mapped row before its names
-- are decided, with the run's settings) is compared, and a person whose row is the one
-- last applied is trusted without reading the directory, the database or the mail store.
-- An import's users have no feed (NULL): they are found by user name, as before.
ALTER TABLE oxprov_runs.user_state ADD COLUMN feed text, ADD COLUMN feed_key text, ADD COLUMN row_print text;
CREATE INDEX user_state_by_key ON oxprov_runs.user_state (feed, feed_key) WHERE feed IS NOT NULL;

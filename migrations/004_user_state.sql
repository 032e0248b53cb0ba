-- What oxprov last wrote for each user it manages: a fingerprint of the desired state it
-- applied (the mapped row's values, the mapping, the config and the run's options), the
-- outcome of each back-end, and the run. The next run compares a row's fingerprint with
-- the one here and, when they are equal, trusts the user as unchanged without asking the
-- back-ends (midPoint keeps "shadows" of accounts for the same reason); --verify, and a
-- share of every run in turn, asks them all the same.
CREATE TABLE oxprov_runs.user_state (
  username    text PRIMARY KEY,
  fingerprint text NOT NULL,
  steps       jsonb NOT NULL,
  run_id      text,
  applied_at  timestamptz NOT NULL DEFAULT now()
);

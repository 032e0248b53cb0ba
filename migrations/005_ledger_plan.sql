-- A sync's plan lives in its ledger, not in the memory of the process that made it: each
-- planned change keeps what its apply needs (the request without its secrets, which are
-- sealed to the run's key; the attributes it writes; its repairs) until it has an outcome.
-- The apply reads the plan back a page at a time, so a feed of a million people is planned
-- and applied in flat memory, and a run continued with --resume finds its plan here.
ALTER TABLE oxprov_runs.ledger ADD COLUMN plan jsonb;
CREATE INDEX ledger_planned ON oxprov_runs.ledger (run_id, action, line, item) WHERE status = 'planned';

-- oxprov's own records, in a schema of its own beside the groupware's tables: one row per run
-- (an import, a sync, their dry runs and plans, whichever door started it) and its ledger, one
-- row per source row or planned change, written per batch before and after it is sent, so that
-- at any moment, even after kill -9, the ledger accounts for every row a run touched.
-- Not named like the database's role: a schema named so would come first in the default
-- search_path ("$user", public) and catch every table created without a schema.

CREATE SCHEMA IF NOT EXISTS oxprov_runs;

CREATE TABLE oxprov_runs.runs (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('import', 'sync')),
  mode        text NOT NULL CHECK (mode IN ('run', 'dry-run', 'plan')),
  door        text NOT NULL,
  started_by  text NOT NULL,
  -- What it reads: the file (name and SHA-256), the mapping, or the directory and its filter.
  source      jsonb NOT NULL,
  -- Its options as normalised, to continue it exactly (never a password).
  options     jsonb NOT NULL,
  state       text NOT NULL CHECK (state IN ('running', 'stopped', 'done', 'failed', 'interrupted', 'blocked')),
  counters    jsonb NOT NULL DEFAULT '{}',
  report_dir  text,
  -- The public half of the run's key pair: generated passwords are sealed to it.
  seal_key    text,
  host        text,
  pid         integer,
  message     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX runs_created ON oxprov_runs.runs (created_at DESC);

CREATE TABLE oxprov_runs.ledger (
  run_id          text NOT NULL REFERENCES oxprov_runs.runs (id) ON DELETE CASCADE,
  -- 'L<line>' for a row of the source, 'K<key>' for a change without one (a leaver).
  item            text NOT NULL,
  line            integer,
  key             text,
  username        text,
  action          text,
  status          text NOT NULL,
  steps           jsonb,
  error_code      text,
  field           text,
  value           text,
  message         text,
  notes           text,
  -- A generated password, sealed to the run's key (never in clear).
  sealed_password text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, item)
);

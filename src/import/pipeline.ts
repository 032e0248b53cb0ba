import { OxprovError, type Backend } from '../errors.js';
import type { RowMapper } from '../mapping/index.js';
import type { OnExisting, Provisioner } from '../provision/provisioner.js';
import type { UserSpec } from '../provision/user-spec.js';
import type { DirectoryView } from './directory-view.js';
import { generatePassword } from './generate-password.js';
import type { RowOutcome } from './row-outcome.js';
import { isRowError, type SourceRow } from './source.js';

export interface PipelineDeps {
  mapper: RowMapper;
  /** Absent in a dry run: nothing is written. */
  provisioner?: Provisioner;
  /** Checks rows against existing users and addresses; absent when the directory is not reachable in a dry run. */
  directory?: DirectoryView;
}

export interface PipelineOptions {
  dryRun: boolean;
  batchSize: number;
  onExisting: OnExisting;
  only: readonly Backend[];
  generatePasswords: boolean;
  /** Rows to provision (`--retry-failed`); every row is still mapped so derived names and duplicates come out the same. */
  includeLine?: (line: number) => boolean;
  /** Batches provisioned at once: keeps every back-end busy while bounding memory. */
  batchesInFlight?: number;
  /**
   * Backpressure from whoever consumes the outcomes (the report files): undefined
   * while it can take more, else a promise to wait for before reading further.
   */
  outputDrained?: () => Promise<void> | undefined;
  /** Stops reading: the batches in flight are finished and reported, nothing new is started. */
  signal?: AbortSignal;
}

/** Rows read between two looks at the consumer's backpressure. */
const DRAIN_CHECK_ROWS = 256;

interface Pending { line: number; raw: string; record: Readonly<Record<string, string>>; spec: UserSpec; notes: string[]; generatedPassword?: string }

/**
 * The import core: reads rows, maps them, checks them against the directory and
 * provisions them in batches, emitting one RowOutcome per row. Backpressure: the
 * source is not read further while `batchesInFlight` batches are being provisioned,
 * so memory stays flat whatever the input size.
 */
export async function runPipeline(rows: AsyncIterable<SourceRow>, deps: PipelineDeps, options: PipelineOptions, emit: (o: RowOutcome) => void): Promise<void> {
  const include = options.includeLine ?? (() => true);
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.batchesInFlight ?? 3;
  let batch: Pending[] = [];
  let untilDrainCheck = DRAIN_CHECK_ROWS;

  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const p = processBatch(b, deps, options, emit).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    await readRows();
  } finally {
    // Whatever ended the reading (the end, an I/O error, an interruption), the batches
    // already sent to the back-ends are finished and reported before this returns.
    await Promise.allSettled(inFlight);
  }

  async function readRows(): Promise<void> {
    for await (const row of rows) {
      if (options.signal?.aborted) {
        // Rows read but not yet sent to a back-end are dropped: they were not touched, and a re-run takes them.
        batch = [];
        break;
      }
      if (--untilDrainCheck === 0 && options.outputDrained) {
        untilDrainCheck = DRAIN_CHECK_ROWS;
        const drained = options.outputDrained();
        if (drained) await drained;
      }
      if (isRowError(row)) {
        if (include(row.line)) emit({ line: row.line, raw: row.raw, status: 'rejected', steps: {}, errors: [row.error], notes: [], ms: 0 });
        continue;
      }
      const m = deps.mapper.map(row.record, row.line);
      if (!include(row.line)) continue;
      if (!m.ok) {
        emit({ line: row.line, raw: row.raw, record: row.record, username: m.errors.some((e) => e.field === 'username') ? undefined : row.record.username, status: 'rejected', steps: {}, errors: m.errors, notes: m.notes, ms: 0 });
        continue;
      }
      const pending: Pending = { line: row.line, raw: row.raw, record: row.record, spec: m.spec, notes: m.notes };
      if (m.spec.password === undefined && options.generatePasswords && !options.dryRun) {
        pending.generatedPassword = generatePassword();
        pending.spec = { ...m.spec, password: pending.generatedPassword, changepasswd: true };
        pending.notes.push('password generated; must be changed at first login');
      }
      batch.push(pending);
      if (batch.length >= options.batchSize) await flush();
    }
    await flush();
  }
}

async function processBatch(batch: Pending[], deps: PipelineDeps, options: PipelineOptions, emit: (o: RowOutcome) => void): Promise<void> {
  const t0 = performance.now();
  let accepted = batch;
  try {
    let existing: ReadonlyMap<string, string> = new Map();
    if (deps.directory) ({ accepted, users: existing } = await checkAgainstDirectory(batch, deps.directory, emit));
    if (options.dryRun || !deps.provisioner) {
      for (const p of accepted) {
        const exists = existing.has(p.spec.username.toLowerCase());
        emit({ line: p.line, raw: p.raw, username: p.spec.username, status: exists ? 'exists' : 'valid', steps: {}, errors: [], notes: p.notes, ms: 0 });
      }
      return;
    }
    // Users the check just found absent are added without a second look-up each.
    const knownAbsent = deps.directory ? new Set(accepted.map((p) => p.spec.username.toLowerCase()).filter((u) => !existing.has(u))) : undefined;
    const results = await deps.provisioner.provisionBatch(accepted.map((p) => p.spec), { only: options.only, onExisting: options.onExisting, knownAbsent });
    results.forEach((r, i) => {
      const p = accepted[i];
      emit({
        line: p.line, raw: p.raw, username: r.username, status: r.status, steps: r.steps, errors: r.errors, notes: p.notes, ms: r.ms,
        generatedPassword: r.steps.ldap === 'created' ? p.generatedPassword : undefined,
      });
    });
  } catch (err) {
    // Not a row's fault (e.g. the directory went away during the check): every row of the batch failed, the run goes on.
    const e = err instanceof OxprovError ? err : new OxprovError('LDAP_FAILED', `the batch failed: ${String(err)}`, { backend: 'ldap', cause: err });
    const ms = Math.round(performance.now() - t0);
    for (const p of accepted) emit({ line: p.line, raw: p.raw, username: p.spec.username, status: 'failed', steps: {}, errors: [e], notes: p.notes, ms });
  }
}

/**
 * Rejects rows whose user name belongs to another person (a different mail
 * address) or whose addresses belong to another user. The same user (same
 * name and mail) passes: re-runs complete it, they do not collide with it.
 */
async function checkAgainstDirectory(batch: Pending[], dir: DirectoryView, emit: (o: RowOutcome) => void): Promise<{ accepted: Pending[]; users: Map<string, string> }> {
  const addresses: string[] = [];
  for (const p of batch) addresses.push(p.spec.mail, ...p.spec.aliases);
  const [users, owners] = await Promise.all([dir.existingUsers(batch.map((p) => p.spec.username)), dir.addressOwners(addresses)]);
  const accepted: Pending[] = [];
  for (const p of batch) {
    const s = p.spec;
    const name = s.username.toLowerCase();
    const errors: OxprovError[] = [];
    const existingMail = users.get(name);
    if (existingMail !== undefined && existingMail !== s.mail.toLowerCase()) {
      errors.push(new OxprovError('MAP_EXISTS_USERNAME', `user name ${s.username} already belongs to a user with another mail address`, { line: p.line, field: 'username', value: s.username }));
    }
    const check = (address: string, field: 'mail' | 'alias') => {
      const owner = owners.get(address.toLowerCase());
      if (owner !== undefined && owner.toLowerCase() !== name) {
        errors.push(new OxprovError(field === 'mail' ? 'MAP_EXISTS_MAIL' : 'MAP_EXISTS_ALIAS', `${address} already belongs to user ${owner}`, { line: p.line, field, value: address }));
      }
    };
    check(s.mail, 'mail');
    for (const a of s.aliases) check(a, 'alias');
    if (errors.length) emit({ line: p.line, raw: p.raw, record: p.record, username: s.username, status: 'rejected', steps: {}, errors, notes: p.notes, ms: 0 });
    else accepted.push(p);
  }
  // The existing users, also for the dry run's "exists": no second lookup.
  return { accepted, users };
}

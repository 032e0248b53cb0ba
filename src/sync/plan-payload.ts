import type { LedgerRow } from '../ledger/run-recorder.js';
import type { UserInput } from '../model/user-spec.js';
import type { DirectoryUser } from '../service/user-service.js';
import type { PlanEntry } from './sync-plan.js';

/**
 * What the ledger keeps of a planned change until it is applied (its `plan` column,
 * migrations/005_ledger_plan.sql): the request without its secrets (the row's own
 * password and a password hash from another directory are sealed to the run's key),
 * the attributes the change writes (their names: the values are in plan.json), its
 * repairs and notes, and whether the feed takes the user over. The user's entry is
 * not kept: the apply reads it again, as it is then.
 */
export interface PlanPayload {
  readonly input?: Omit<UserInput, 'password' | 'passwordHash' | 'derived'> & { readonly derived?: readonly string[] };
  readonly changes: readonly string[];
  readonly notes: readonly string[];
  readonly repair?: readonly string[];
  readonly adopt?: boolean;
  readonly sealedPassword?: string;
  readonly sealedHash?: string;
  /** The fingerprint of the row before its names were decided, remembered once the change is applied. */
  readonly rowPrint?: string;
}

/** The payload of a planned change, its secrets sealed with `seal`. */
export function toPayload(e: PlanEntry, seal: (secret: string) => string): PlanPayload {
  let input: PlanPayload['input'];
  let sealedPassword: string | undefined;
  let sealedHash: string | undefined;
  if (e.input) {
    const { password, passwordHash, derived, ...rest } = e.input;
    if (password !== undefined) sealedPassword = seal(password);
    if (passwordHash !== undefined) sealedHash = seal(passwordHash);
    input = { ...rest, ...(derived ? { derived: [...derived] } : {}) };
  }
  return {
    ...(input ? { input } : {}), changes: e.changes.map((c) => c.attribute), notes: e.notes,
    ...(e.repair ? { repair: e.repair } : {}), ...(e.adopt ? { adopt: true } : {}),
    ...(sealedPassword !== undefined ? { sealedPassword } : {}), ...(sealedHash !== undefined ? { sealedHash } : {}),
    ...(e.rowPrint !== undefined ? { rowPrint: e.rowPrint } : {}),
  };
}

/**
 * The planned change of a ledger row again, its secrets opened with `open` and its
 * user's entry as the directory holds it now (`entry`, absent for a new person).
 * @throws when a sealed secret cannot be opened (the run's key is gone).
 */
export function fromPayload(row: LedgerRow, open: (sealed: string) => string | undefined, entry: DirectoryUser | undefined): PlanEntry {
  const p = row.plan as PlanPayload;
  let input: UserInput | undefined;
  if (p.input) {
    const { derived, ...rest } = p.input;
    const password = p.sealedPassword !== undefined ? opened(p.sealedPassword) : undefined;
    const passwordHash = p.sealedHash !== undefined ? opened(p.sealedHash) : undefined;
    input = {
      ...rest, ...(derived ? { derived: new Set(derived) } : {}),
      ...(password !== undefined ? { password } : {}), ...(passwordHash !== undefined ? { passwordHash } : {}),
    } as UserInput;
  }
  return {
    action: row.action as PlanEntry['action'], line: row.line, key: row.key ?? '', username: row.username ?? '',
    changes: p.changes.map((attribute) => ({ attribute, old: [], new: [] })), errors: [], notes: p.notes,
    ...(input ? { input } : {}), ...(entry ? { entry } : {}), ...(p.repair ? { repair: p.repair } : {}), ...(p.adopt ? { adopt: true } : {}),
    ...(p.rowPrint !== undefined ? { rowPrint: p.rowPrint } : {}),
  };

  function opened(sealed: string): string {
    const v = open(sealed);
    if (v === undefined) throw new Error(`the plan of ${row.username ?? row.key} holds a sealed secret, and the run's key (run.key) is not there to open it`);
    return v;
  }
}

/**
 * One change of a user's entry, as a plan shows it and the directory writes it:
 * the plan of a sync is the list the directory then applies, so the two cannot
 * differ (src/provision/ldap/entry-changes.ts computes both).
 */
export interface AttributeChange {
  /** The attribute, in the paper's names (the directory translates them at its edge). */
  readonly attribute: string;
  readonly old: readonly string[];
  /** The values after the change; empty deletes the attribute. */
  readonly new: readonly string[];
  /** `add`: `new` holds values added to the old ones (an object class), not all of them. */
  readonly op?: 'add';
  /** A password hash moves: shown as "(hidden)" wherever a plan is printed. */
  readonly secret?: boolean;
}

/** A change as a plan prints it: `sn: Schmidt → Wagner`; a password hash is never shown. */
export function changeText(c: AttributeChange): string {
  const show = (v: readonly string[]) => (c.secret ? (v.length ? '(hidden)' : '(none)') : v.join('|') || '(none)');
  return c.op === 'add' ? `${c.attribute}: + ${show(c.new)}` : `${c.attribute}: ${show(c.old)} → ${show(c.new)}`;
}

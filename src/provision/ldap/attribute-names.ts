import type { EntryAttributes } from './user-entry.js';

/**
 * The names of the groupware attributes on the wire (`ldap.attributes`): the
 * directory back-end translates at its edge, so that everything above it (the
 * rules, the plan, the tools) speaks the paper's names whatever the directory
 * calls them. Names that are not renamed pass unchanged.
 */
export class AttributeNames {
  private readonly toWire = new Map<string, string>();
  private readonly fromWire = new Map<string, string>();

  constructor(names: Readonly<Record<string, string>>) {
    for (const [paper, wire] of Object.entries(names)) {
      if (paper === wire) continue;
      this.toWire.set(paper.toLowerCase(), wire);
      this.fromWire.set(wire.toLowerCase(), paper);
    }
  }

  /** True when nothing is renamed (the common case: no copies). */
  get identity(): boolean {
    return this.toWire.size === 0;
  }

  wire(name: string): string {
    return this.toWire.get(name.toLowerCase()) ?? name;
  }

  paper(name: string): string {
    return this.fromWire.get(name.toLowerCase()) ?? name;
  }

  wireEntry(attributes: EntryAttributes): EntryAttributes {
    if (this.identity) return attributes;
    return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [this.wire(k), v]));
  }

  /** An entry as read, in the paper's names. A value under a paper name that is renamed away is not the groupware's: it is left out. */
  paperEntry(attributes: EntryAttributes): EntryAttributes {
    if (this.identity) return attributes;
    const out: EntryAttributes = {};
    for (const [k, v] of Object.entries(attributes)) {
      const paper = this.paper(k);
      if (paper === k && this.toWire.has(k.toLowerCase())) continue;
      out[paper] = v;
    }
    return out;
  }
}

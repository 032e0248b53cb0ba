import type { OxprovError } from '../errors.js';
import type { NormalizedOptions } from './normalize-options.js';
import { rowIssue } from './row-issue.js';
import { resolveTarget, type Target } from './target.js';

/** What one column of the file is used for. */
export interface PlannedColumn {
  /** The header exactly as in the file: the key of the records. */
  header: string;
  /** Undefined for ignored, unnamed or refused columns. */
  target?: Target;
}

/**
 * Decides once per file what each column is for: the mapping file's `ignore`,
 * then its `columns`, then adduser options (case-insensitive), then attributes
 * of the schema. Reports every unusable column, every target set twice, every
 * mapped column missing from the file and every mandatory field nothing
 * provides, so that a wrong file fails before its first row.
 */
export function planColumns(
  headers: readonly string[],
  opts: NormalizedOptions,
  line = 1,
): { columns: PlannedColumn[]; errors: OxprovError[] } {
  const errors: OxprovError[] = [];
  const columns: PlannedColumn[] = [];
  const byKey = new Map<string, string>();
  const present = new Set<string>();
  for (const header of headers) {
    const lower = header.trim().toLowerCase();
    present.add(lower);
    // Exports often end every line with a delimiter; an unnamed column carries no meaning.
    // `oxprov_line`: the original line of a row written back in rejected.csv, not data of the user.
    if (lower === '' || lower === 'oxprov_line' || opts.ignore.has(lower)) {
      columns.push({ header });
      continue;
    }
    const mapped = opts.columns.get(lower);
    const t = mapped?.target ?? resolveTarget(header, opts.schema, opts.reserved);
    if (t === 'unknown' || t === 'reserved') {
      errors.push(t === 'unknown'
        ? rowIssue('MAP_UNKNOWN_ATTRIBUTE', `column "${header}" is neither an adduser option nor an attribute of the directory's schema (map it with --mapping, or list it in the mapping's "ignore" to skip it)`, { line, field: header })
        : rowIssue('MAP_RESERVED_ATTRIBUTE', `column "${header}" names an attribute oxprov sets itself; use the adduser option instead`, { line, field: header }));
      columns.push({ header });
      continue;
    }
    const first = byKey.get(t.key);
    if (first !== undefined) {
      errors.push(rowIssue('MAP_DUPLICATE_COLUMN', `columns "${first}" and "${header}" both set ${t.key}`, { line, field: header }));
      columns.push({ header });
      continue;
    }
    byKey.set(t.key, header);
    columns.push({ header, target: t });
  }
  for (const [lower, c] of opts.columns) {
    if (!present.has(lower)) {
      errors.push(rowIssue('MAP_INVALID_MAPPING', `the mapping names column "${c.source}", which the file does not have`, { line, field: `columns.${c.source}` }));
    }
  }
  for (const field of opts.mandatory) {
    if (!byKey.has(field) && !opts.derive.has(field) && !opts.defaults.has(field)) {
      errors.push(rowIssue('MAP_MISSING_FIELD', `no column, derive rule or default gives ${field}${field === 'password' ? ' (or let oxprov make passwords: --generate-passwords)' : ''}`, { line, field }));
    }
  }
  return { columns, errors };
}

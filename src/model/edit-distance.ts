/** Levenshtein distance: what "did you mean" measures, for options, config keys and mapping keys alike. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known name nearest to `name` (compared without case), if it is at most `max` edits away. */
export function nearest(name: string, known: readonly string[], max = 3): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= max && (best === undefined || d < best.d)) best = { k, d };
  }
  return best?.k;
}

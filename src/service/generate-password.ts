import { randomInt } from 'node:crypto';

// No look-alikes (0/O, 1/l/I) so that a password read off a sheet is typed right.
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGIT = '23456789';
const SYMBOL = '-_.!+=';
const ALL = LOWER + UPPER + DIGIT + SYMBOL;

/** A strong random password (crypto RNG): 16 characters, ~100 bits, every class present. */
export function generatePassword(length = 16): string {
  const chars = [LOWER, UPPER, DIGIT, SYMBOL].map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(ALL[randomInt(ALL.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  // A letter first: a password starting with = + - is taken for a formula by spreadsheets.
  const first = chars.findIndex((c) => LOWER.includes(c) || UPPER.includes(c));
  [chars[0], chars[first]] = [chars[first], chars[0]];
  return chars.join('');
}

import { describe, expect, it } from 'vitest';
import { toAscii } from '../../../src/mapping/index.js';

describe('toAscii', () => {
  it.each([
    ['Müller', 'Mueller'], ['Ægir', 'Aegir'], ['François', 'Francois'], ['Øystein', 'Oystein'],
    ['Straße', 'Strasse'], ['Åsa', 'Asa'], ['Jörg', 'Joerg'], ['Hélène', 'Helene'], ['Zoë', 'Zoe'],
    ['Œdipe', 'Oedipe'], ['Çelik', 'Celik'], ['ÄÖÜ', 'AeOeUe'],
  ])('%s → %s', (input, expected) => {
    expect(toAscii(input)).toBe(expected);
  });

  it('handles decomposed umlauts (NFD) like composed ones', () => {
    expect(toAscii('Mu\u0308ller')).toBe('Mueller');
  });

  it("strips what is not a letter, digit, '.', '_' or '-'", () => {
    expect(toAscii("D'Arc van der Berg")).toBe('DArcvanderBerg');
    expect(toAscii('Jean-Luc_O.K.')).toBe('Jean-Luc_O.K.');
    expect(toAscii('a@b, c!')).toBe('abc');
  });
});

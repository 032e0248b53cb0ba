import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY, passwordProblem } from '../../../src/model/password-policy.js';

describe('passwordProblem', () => {
  it('counts characters as a person does: a character outside the BMP is one', () => {
    const five = '😀😀😀😀😀'; // ten UTF-16 units
    expect(passwordProblem(five, DEFAULT_PASSWORD_POLICY)).toMatch(/at least 6 characters/);
    expect(passwordProblem(five, { minLength: 5, minClasses: 1 })).toBeUndefined();
    // An unpaired surrogate is a character of its own, as when the password is spread.
    expect(passwordProblem('abcde\ud800', DEFAULT_PASSWORD_POLICY)).toBeUndefined();
  });

  it('counts the kinds of characters, and never quotes the password', () => {
    const strict = { minLength: 8, minClasses: 3 };
    const problem = passwordProblem('lowercaseonly', strict);
    expect(problem).toMatch(/at least 3 kinds/);
    expect(problem).not.toContain('lowercaseonly');
    expect(passwordProblem('Lower-and-UPPER', strict)).toBeUndefined();
    expect(passwordProblem('Ünïcödé-9', strict)).toBeUndefined();
  });
});

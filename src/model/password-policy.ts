/** What a password must hold: the configuration's `passwords` section. */
export interface PasswordPolicy {
  /** Fewest characters. */
  readonly minLength: number;
  /** Fewest kinds of characters among lower case, upper case, digits and others. */
  readonly minClasses: number;
}

/**
 * The default admits the whitepaper's own examples (`--password=secret`) and refuses
 * a password of one character; a deployment sets its own (`passwords.minLength`, `passwords.minClasses`).
 */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({ minLength: 6, minClasses: 1 });

/** Lower case, upper case, digits, others: the kinds of characters {@link PasswordPolicy.minClasses} counts. */
const KINDS = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];

/** Why a password does not meet the policy (never quoting it), or undefined. Checked for every row of an import: nothing is built unless it fails. */
export function passwordProblem(password: string, policy: PasswordPolicy): string | undefined {
  let classes = 0;
  for (const re of KINDS) if (re.test(password)) classes++;
  if (classes >= policy.minClasses && codePoints(password) >= policy.minLength) return undefined;
  const wants = `at least ${policy.minLength} characters${policy.minClasses > 1 ? ` of at least ${policy.minClasses} kinds (lower case, upper case, digits, others)` : ''}`;
  return `the password is too weak: the policy asks for ${wants}`;
}

/** Characters as a person counts them: a pair of surrogates is one. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

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

/** Why a password does not meet the policy (never quoting it), or undefined. */
export function passwordProblem(password: string, policy: PasswordPolicy): string | undefined {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(password)).length;
  const wants = `at least ${policy.minLength} characters${policy.minClasses > 1 ? ` of at least ${policy.minClasses} kinds (lower case, upper case, digits, others)` : ''}`;
  if ([...password].length < policy.minLength || classes < policy.minClasses) return `the password is too weak: the policy asks for ${wants}`;
  return undefined;
}

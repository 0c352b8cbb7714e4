/**
 * OpenTera's password-strength rule for user passwords set through the user API: at least 10
 * characters, with a lower-case letter, an upper-case letter, a digit and a character that is
 * neither a letter nor a digit. A refused password is answered 400 with the list of what it
 * lacks, in OpenTera's words.
 */

export type PasswordWeakness = 'length' | 'lower' | 'upper' | 'numeric' | 'special';

/** The smallest accepted length. */
export const MIN_PASSWORD_LENGTH = 10;

const WEAKNESS_TEXT: Record<PasswordWeakness, string> = {
  length: `Password not long enough (${MIN_PASSWORD_LENGTH} characters)`,
  lower: 'Password missing lower case letter',
  upper: 'Password missing upper case letter',
  numeric: 'Password missing numeric character',
  special: 'Password missing special character',
};

/** What `password` lacks (empty: strong enough). Lengths count code points, as Python does. */
export function passwordWeaknesses(password: string): PasswordWeakness[] {
  const out: PasswordWeakness[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) out.push('length');
  if (!/\p{Ll}/u.test(password)) out.push('lower');
  if (!/\p{Lu}/u.test(password)) out.push('upper');
  if (!/\p{Nd}/u.test(password)) out.push('numeric');
  if (!/[^\p{L}\p{N}]/u.test(password)) out.push('special');
  return out;
}

/** OpenTera's answer text for a weak password. */
export const weaknessesText = (weaknesses: readonly PasswordWeakness[]): string =>
  weaknesses.map((w) => WEAKNESS_TEXT[w]).join(',');

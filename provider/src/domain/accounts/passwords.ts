// The argon2 addon (~7 MB resident) is loaded at the first password hashed or verified, not at start
// (docs/operations.md §9).
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
const PARAMS = { algorithm: 2 /* Algorithm.Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export async function hashPassword(password: string): Promise<string> {
  return (await loadArgon2()).hash(password, PARAMS);
}

// A real hash of a random string: verifying against it costs what a real verify costs,
// so an unknown email takes as long as a wrong password (docs/security.md §11).
let dummy: Promise<string> | undefined;

/** Verifies a password; with no stored hash, spends the same time and returns false. */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword('not-a-password-' + Math.random());
    const { verify } = await loadArgon2();
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  const { verify } = await loadArgon2();
  return verify(stored, password).catch(() => false);
}

/** Why a password is refused, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

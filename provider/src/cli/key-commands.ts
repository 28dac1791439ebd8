/**
 * `instant-provider keys list|rotate` and `instant-provider secret reseal` (docs/security-lifecycle.md §1–§2).
 *
 * @module
 */
import type { Ctx } from '../domain/context.ts';
import { listSigningKeys, resealSigningKeys, rotateSigningKey } from '../domain/oauth/key-rotation.ts';
import type { CliIo } from './commands.ts';

const VERBS = ['keys list', 'keys rotate', 'secret reseal'] as const;
export type KeyVerb = (typeof VERBS)[number];
export const isKeyVerb = (v: string): v is KeyVerb => (VERBS as readonly string[]).includes(v);

/** Runs one key command; returns the exit code. Prints key ids and dates, never key material or a secret. */
export async function keyCommand(ctx: Ctx, verb: KeyVerb, io: Pick<CliIo, 'out' | 'err'>): Promise<number> {
  if (verb === 'keys rotate') {
    const r = (await rotateSigningKey(ctx, { actor: 'cli' }))!;
    io.out(`new signing key ${r.kid} signs from now on (running instances switch within 30 s)\n`);
    for (const kid of r.rotated) io.out(`${kid} stays in JWKS, verifying what it signed, until ${r.retireAt.toISOString()}\n`);
    return 0;
  }
  if (verb === 'keys list') {
    const keys = await listSigningKeys(ctx);
    if (keys.length === 0) io.out('no signing keys yet (the provider makes one when it first signs an id_token)\n');
    for (const k of keys) {
      const until = k.status === 'signing' ? '' : ` until ${k.retired_at?.toISOString() ?? '?'}`;
      io.out(`${k.kid}  ${k.alg}  created ${k.created_at.toISOString()}  ${k.status}${until}  sealed with ${k.sealedWith}\n`);
    }
    return keys.some((k) => k.sealedWith === 'none' && k.status !== 'retired') ? 1 : 0;
  }
  const r = await resealSigningKeys(ctx, 'cli');
  for (const kid of r.resealed) io.out(`${kid} re-sealed with SECRET\n`);
  if (r.current.length) io.out(`${r.current.length} key(s) already sealed with SECRET\n`);
  if (r.unopened.length) {
    io.err(`instant-provider: neither SECRET nor SECRET_PREVIOUS opens ${r.unopened.join(', ')}; set SECRET_PREVIOUS to the secret that sealed them and run this again\n`);
    return 1;
  }
  io.out('every stored signing key is sealed with SECRET: SECRET_PREVIOUS can be removed (sessions idle since the rotation then end; docs/operations.md §8)\n');
  return 0;
}

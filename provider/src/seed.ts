import type { Ctx } from './context.ts';

/** Creates the demo account and the demo app's OAuth client once; prints their credentials. */
export async function seedDemo(_ctx: Ctx, _print: (line: string) => void): Promise<void> {
  throw new Error('seedDemo is not implemented yet');
}

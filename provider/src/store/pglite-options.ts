import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { pgliteSettings } from './pglite-settings.ts';

/** PGlite.create options for the embedded store: PGlite's own start parameters plus `settings` (pgliteSettings). */
export function pgliteOptions(settings: Readonly<Record<string, string>> = pgliteSettings()): Pick<PGliteOptions, 'startParams'> {
  return { startParams: [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])] };
}

import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { pgliteSettings } from './pglite-settings.ts';

/** PGlite.create options for the embedded store: PGlite's own start parameters plus pgliteSettings(sharedBuffersMb). */
export function pgliteOptions(sharedBuffersMb?: number): Pick<PGliteOptions, 'startParams'> {
  const settings = Object.entries(pgliteSettings(sharedBuffersMb));
  return { startParams: [...PGlite.defaultStartParams, ...settings.flatMap(([name, value]) => ['-c', `${name}=${value}`])] };
}

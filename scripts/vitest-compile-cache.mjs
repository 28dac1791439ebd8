// Vitest set-up file: on Node 22 and later, the processes the tests start (Instant's CLI, the provider, the kit's CLI)
// keep V8's compiled code of the modules they load in node_modules/.cache/node-compile-cache (NODE_COMPILE_CACHE), so
// that each of them does not compile the same ~1,300 modules of instant-cli again (about a quarter of its CPU time).
// Set in the worker's environment, for its children only: the worker itself started before this file ran. Node keeps
// the entries per Node version and source hash and throws away a stale or broken one; Node 20 has no such cache.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 22 && process.env.NODE_COMPILE_CACHE === undefined) {
  process.env.NODE_COMPILE_CACHE = join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules', '.cache', 'node-compile-cache');
}

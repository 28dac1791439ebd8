// The provider runs as bundled ES modules built from its TypeScript sources: no build step for users, no TypeScript
// loader at run time. The bundle is cached in provider/node_modules/.cache/instant-provider/<fingerprint>/, where the
// fingerprint covers the sources' paths, sizes and mtimes, and is rebuilt with esbuild when a source changed.
//
// Only our sources are bundled: npm packages stay external, resolved by Node from the package directory exactly as
// from provider/src. `import.meta.url` in a source keeps meaning that source file (migrations are read from
// provider/src/store/migrations/). Dynamic imports become chunks loaded on demand (the Postgres driver, the demo seed).
// If the package directory is read-only, the bundle goes to the temp directory, importing npm packages by the
// absolute URL Node resolves them to from here.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the provider's process, before anything compiles WebAssembly. The embedded store compiles PGlite's
 * 9 MB module on V8's background threads, by default one per core; with one, the process keeps ~35 MB less resident
 * memory (measured on 2 cores) for the same start-up time and query throughput.
 */
export function tuneV8() {
  setFlagsFromString('--wasm-num-compilation-tasks=1');
}

/** Bump when the build options change: bundles built before are then stale. */
const FORMAT = 3;
const PROVIDER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC_DIR = join(PROVIDER_DIR, 'src');
/**
 * The MCP tools are defined once in the kit (`instant-kit/mcp`, TypeScript sources, docs/mcp.md §3): bundled like
 * our own sources rather than left to Node, which cannot load `.ts`.
 */
const KIT_MCP_DIR = join(PROVIDER_DIR, '..', 'client', 'src', 'mcp');
/** The entry points, each a file in the bundle directory: the binary and the library (start-up benchmark). */
const ENTRIES = ['cli', 'index'];

/** Paths, sizes and mtimes of the sources (not tests; not migrations, which are read at run time): a few ms. */
function fingerprint() {
  const h = createHash('sha256').update(`${FORMAT}\0${PROVIDER_DIR}\0`);
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) {
        const s = statSync(p);
        h.update(`${relative(SRC_DIR, p)}\0${s.size}\0${s.mtimeMs}\0`);
      }
    }
  };
  walk(SRC_DIR);
  if (existsSync(KIT_MCP_DIR)) walk(KIT_MCP_DIR);
  return h.digest('hex').slice(0, 16);
}

function writable(dir) {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keeps `import.meta.url` meaning the source file, and (for a bundle outside the package) imports npm packages by
 * the absolute URL Node resolves them to from the provider's own directory.
 */
function plugin(absolute) {
  return {
    name: 'instant-provider',
    setup(build) {
      build.onLoad({ filter: /\.tsx?$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const contents = text.includes('import.meta.url') ? text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : text;
        return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
      build.onResolve({ filter: /^instant-kit\/mcp$/ }, () => ({ path: join(KIT_MCP_DIR, 'index.ts') }));
      if (absolute) {
        build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path.startsWith('node:') ? args.path : import.meta.resolve(args.path), external: true }));
      }
    },
  };
}

/** Builds every entry into a new directory, then renames it into place: whoever renames first wins, atomically. */
async function build(dir, absolute) {
  const esbuild = await import('esbuild');
  const tmp = `${dir}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await esbuild.build({
      entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, join(SRC_DIR, `${e}.ts`)])),
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: absolute ? undefined : 'external',
      jsx: 'automatic',
      jsxImportSource: 'hono/jsx',
      // For `node --enable-source-maps`; not loaded otherwise.
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [plugin(absolute)],
    });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (existsSync(join(dir, 'cli.mjs'))) return; // another process built the same sources first
      if (!existsSync(dir)) throw err;
      rmSync(dir, { recursive: true, force: true }); // an incomplete copy (edited by hand?)
      renameSync(tmp, dir);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await esbuild.stop(); // its service process would otherwise live as long as the provider
  }
}

/** Removes bundles of older sources not used for ten minutes (a process may still load chunks from one). */
function prune(root, keep) {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of readdirSync(root)) {
    // Bundles are named by their fingerprint (others share the directory: store/index.ts keeps its template here).
    if (name === keep || !/^[0-9a-f]{16}(\.|$)/.test(name)) continue;
    try {
      if (statSync(join(root, name)).mtimeMs < cutoff) rmSync(join(root, name), { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

/**
 * A directory in the shared temp directory that only this user can write to (created so); anything else is refused,
 * or another user could put code there for the provider to run.
 */
function privateTmpDir(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = lstatSync(dir);
  if (!s.isDirectory() || (process.getuid && s.uid !== process.getuid()) || s.mode & 0o022) {
    throw new Error(`${dir} is not a directory only this user can write to; remove it, or make ${PROVIDER_DIR} writable`);
  }
  return dir;
}

/**
 * The file URL of `entry` (`cli` or `index`) in the bundle of the current sources, built first if there is none.
 * Two processes starting at once on changed sources both build; the first to finish is used by both.
 */
export async function bundled(entry = 'cli') {
  const name = fingerprint();
  const inPackage = join(PROVIDER_DIR, 'node_modules', '.cache', 'instant-provider');
  let root = inPackage;
  if (!existsSync(join(inPackage, name, 'cli.mjs')) && !writable(inPackage)) {
    // A read-only install: the temp directory, per user and per copy of the provider.
    const key = createHash('sha256').update(PROVIDER_DIR).digest('hex').slice(0, 12);
    root = privateTmpDir(join(tmpdir(), `instant-provider-${process.getuid?.() ?? 'user'}-${key}`));
  }
  if (existsSync(join(root, name, 'cli.mjs'))) {
    try {
      const now = new Date();
      utimesSync(join(root, name), now, now); // in use: not pruned
    } catch {
      // read-only: fine
    }
  } else {
    mkdirSync(root, { recursive: true });
    await build(join(root, name), root !== inPackage);
    prune(root, name);
  }
  return pathToFileURL(join(root, name, `${entry}.mjs`)).href;
}

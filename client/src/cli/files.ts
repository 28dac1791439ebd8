/**
 * `instant.schema.ts` / `instant.perms.ts`: finding them, loading them (they may import `i` from `instant-kit` or
 * from Instant's own packages), and writing them back for `pull`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InstantRules } from '../platform-types.ts';
import type { InstantSchemaDef, SchemaLike } from '../schema.ts';
import { CliError } from './auth.ts';

const DIRS = ['', 'src', 'app', 'lib'];
const EXTS = ['.ts', '.mts', '.js', '.mjs'];

/** Finds `instant.<kind>.ts` in the project (or the path in `INSTANT_SCHEMA_FILE_PATH` / `INSTANT_PERMS_FILE_PATH`). */
export function findFile(cwd: string, kind: 'schema' | 'perms', env: Record<string, string | undefined>): string | null {
  const override = env[kind === 'schema' ? 'INSTANT_SCHEMA_FILE_PATH' : 'INSTANT_PERMS_FILE_PATH'];
  if (override) return resolve(cwd, override);
  for (const d of DIRS) for (const e of EXTS) {
    const p = join(cwd, d, `instant.${kind}${e}`);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Loads a schema or perms file. JavaScript is imported as is. TypeScript goes through tsx when the project has it
 * (an optional peer dependency: the kit itself compiles nothing), else through Node's own type stripping (Node
 * 22.18+ and 24); on an older Node without tsx the error says what to install.
 */
async function importTs(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  const fail = (e: unknown): never => {
    throw new CliError(`Could not load ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  };
  if (!/\.[cm]?tsx?$/.test(file)) return (await import(url).catch(fail)) as Record<string, unknown>;
  const tsx = await import('tsx/esm/api').catch(() => undefined);
  if (tsx) return (await tsx.tsImport(url, import.meta.url).catch(fail)) as Record<string, unknown>;
  return (await import(url).catch((e: NodeJS.ErrnoException) => {
    if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') fail(e);
    throw new CliError(`Could not load ${file}: this Node.js (${process.version}) cannot run TypeScript; use Node 22.18+ or install tsx in your project (npm install --save-dev tsx)`);
  })) as Record<string, unknown>;
}

function isSchema(x: unknown): x is SchemaLike {
  return Boolean(x && typeof x === 'object' && 'entities' in x && typeof (x as { entities: unknown }).entities === 'object');
}

/** Loads the schema: the default export, or an export named `schema`. */
export async function loadSchema(file: string): Promise<SchemaLike> {
  const mod = await importTs(file);
  const candidate = [mod.default, mod.schema, (mod.default as { default?: unknown } | undefined)?.default].find(isSchema);
  if (!candidate) throw new CliError(`${file} must export a schema made with i.schema(...) (export default schema)`);
  return candidate;
}

/** Loads the rules: the default export, or an export named `rules` or `perms`. */
export async function loadPerms(file: string): Promise<InstantRules> {
  const mod = await importTs(file);
  const rules = [mod.default, mod.rules, mod.perms].find((x) => x && typeof x === 'object' && !Array.isArray(x));
  if (!rules) throw new CliError(`${file} must export its rules (export default rules)`);
  return rules as InstantRules;
}

const key = (k: string) => JSON.stringify(k);
const sortedKeys = <T>(o: Record<string, T>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

/** TypeScript source of `instant.schema.ts` for a schema. */
export function schemaFileSource(schema: InstantSchemaDef, moduleName = 'instant-kit'): string {
  const entities = sortedKeys(schema.entities).map(([etype, ent]) => {
    const attrs = sortedKeys(ent.attrs).map(([label, a]) => {
      const derived = (a.metadata?.derivedType as { type?: string } | undefined)?.type;
      const type = derived ?? a.valueType ?? 'any';
      return `    ${key(label)}: i.${type}()${a.config.unique ? '.unique()' : ''}${a.config.indexed ? '.indexed()' : ''}${a.required ? '' : '.optional()'},`;
    });
    return `  ${key(etype)}: i.entity({${attrs.length ? `\n${attrs.join('\n')}\n  ` : ''}}),`;
  });
  const links = JSON.stringify(schema.links, null, 2).replace(/\n/g, '\n  ');
  return `// Docs: https://www.instantdb.com/docs/modeling-data
import { i } from ${JSON.stringify(moduleName)};

const _schema = i.schema({
  entities: {
${entities.map((e) => '  ' + e.replace(/\n/g, '\n  ')).join('\n')}
  },
  links: ${links},
  rooms: {},
});

// This helps TypeScript display nicer intellisense
type _AppSchema = typeof _schema;
interface AppSchema extends _AppSchema {}
const schema: AppSchema = _schema;

export type { AppSchema };
export default schema;
`;
}

/** TypeScript source of `instant.perms.ts` for rules. */
export function permsFileSource(rules: InstantRules | null): string {
  return `// Docs: https://www.instantdb.com/docs/permissions
import type { InstantRules } from "instant-kit";

const rules = ${JSON.stringify(rules ?? {}, null, 2)} satisfies InstantRules;

export default rules;
`;
}

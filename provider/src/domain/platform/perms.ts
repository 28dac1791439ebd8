import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../../store/index.ts';
import { findPermsCode, upsertPerms } from '../../store/perms.ts';

/** Permission rules (docs/api.md §7), kept as the exact JSON the client sent. */
export type Rules = Record<string, unknown>;

/** Largest rules document accepted, serialised (docs/security.md §15). */
export const MAX_RULES_BYTES = 256 * 1024;

const ACTIONS = new Set(['view', 'create', 'update', 'delete', 'link', 'unlink', '$default']);
const NAMESPACE_KEYS = new Set(['allow', 'bind', 'fields']);
const MAX_EXPRESSION = 16 * 1024;

type Path = (string | number)[];

function fail(path: Path, message: string): never {
  throw ApiError.validation(`Invalid rules at ${path.join('.')}: ${message}`, [{ path, message }]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expression(v: unknown, path: Path): void {
  if (typeof v !== 'string') fail(path, 'must be a string (a CEL expression)');
  if (v.length > MAX_EXPRESSION) fail(path, `is longer than ${MAX_EXPRESSION} characters`);
}

/**
 * Validates the structure of rules: `{namespace | "$default" | "attrs": {"allow": {action: expr}, "bind": [...] | {...}}}`.
 * `link`/`unlink` may also map link labels to expressions, and `fields` field names to expressions, as
 * Instant's rules do. A bad rule is a 400 naming its path; nothing is evaluated.
 */
export function validateRules(rules: unknown, root: Path = ['code']): Rules {
  if (!isObject(rules)) fail(root, 'must be an object of namespace → rules');
  const size = Buffer.byteLength(JSON.stringify(rules), 'utf8');
  if (size > MAX_RULES_BYTES) throw new ApiError(413, 'payload-too-large', `Rules are larger than ${MAX_RULES_BYTES} bytes`, { 'max-bytes': MAX_RULES_BYTES });
  for (const [ns, block] of Object.entries(rules)) {
    const path = [...root, ns];
    if (ns === '' || ns.length > 128) fail(path, 'namespace names must be 1–128 characters');
    if (!isObject(block)) fail(path, 'must be an object with "allow" and optionally "bind"');
    for (const [key, value] of Object.entries(block)) {
      if (!NAMESPACE_KEYS.has(key)) fail([...path, key], 'unknown key; expected "allow", "bind" or "fields"');
      if (key === 'allow') {
        if (!isObject(value)) fail([...path, key], 'must be an object of action → expression');
        for (const [action, expr] of Object.entries(value)) {
          if (!ACTIONS.has(action)) fail([...path, key, action], `unknown action; expected one of ${[...ACTIONS].join(', ')}`);
          if ((action === 'link' || action === 'unlink') && isObject(expr)) {
            for (const [label, e] of Object.entries(expr)) expression(e, [...path, key, action, label]);
          } else {
            expression(expr, [...path, key, action]);
          }
        }
      } else if (key === 'bind') {
        if (Array.isArray(value)) {
          if (value.length % 2 !== 0) fail([...path, key], 'must list name, expression pairs (an even number of strings)');
          value.forEach((x, i) => expression(x, [...path, key, i]));
        } else if (isObject(value)) {
          for (const [name, e] of Object.entries(value)) expression(e, [...path, key, name]);
        } else {
          fail([...path, key], 'must be a list of name, expression pairs or an object of name → expression');
        }
      } else {
        if (!isObject(value)) fail([...path, key], 'must be an object of field → expression');
        for (const [field, e] of Object.entries(value)) expression(e, [...path, key, field]);
      }
    }
  }
  return rules;
}

/** The rules of an app, verbatim, or null when none were pushed. */
export async function getPerms(ctx: Ctx, appId: string): Promise<Rules | null> {
  const code = await findPermsCode(ctx.db, appId);
  return code === undefined ? null : (JSON.parse(code) as Rules);
}

/** Replaces an app's rules (already validated). */
export async function savePerms(ctx: Ctx, db: Db, appId: string, rules: Rules): Promise<void> {
  await upsertPerms(db, appId, JSON.stringify(rules), nowDate(ctx));
}

/** `POST …/perms` / `…/rules` body `{"code": Rules}` → the stored rules. */
export async function pushPerms(ctx: Ctx, appId: string, body: Record<string, unknown>): Promise<Rules> {
  if (body.code === undefined) throw ApiError.paramMissing('code');
  const rules = validateRules(body.code);
  await savePerms(ctx, ctx.db, appId, rules);
  return rules;
}

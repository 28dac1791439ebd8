import { ApiError } from '../../errors.ts';
import { isUuid } from '../../tokens.ts';
import { nameProblem } from './names.ts';
import { makeAttr } from './plan.ts';
import { CHECKED_DATA_TYPES, SCHEMA_LIMITS, STEP_TYPES, type Attr, type CheckedDataType, type Identity, type Step, type StepType } from './types.ts';

type Path = (string | number)[];

function fail(path: Path, message: string): never {
  throw ApiError.validation(`Invalid step at ${path.join('.')}: ${message}`, [{ path, message }]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Runs steps in order on an in-memory copy of an app's attrs (docs/api.md §6) and returns the result with the
 * steps normalised. Any invalid step (unknown type or attr id, duplicate identity, bad names or values)
 * throws a 400 naming it, before anything is written: the caller persists only a complete result.
 */
export function runSteps(current: readonly Attr[], input: unknown): { attrs: Map<string, Attr>; steps: Step[] } {
  if (!Array.isArray(input)) fail(['steps'], 'must be an array of [type, params]');
  if (input.length > SCHEMA_LIMITS.maxSteps) fail(['steps'], `at most ${SCHEMA_LIMITS.maxSteps} steps are allowed in one request`);
  const attrs = new Map<string, Attr>(current.map((a) => [a.id, a]));
  const steps: Step[] = [];
  input.forEach((raw, i) => {
    const path: Path = ['steps', i];
    if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'string') fail(path, 'must be [type, params]');
    const type = raw[0] as StepType;
    if (!STEP_TYPES.includes(type)) fail([...path, 0], `unknown step type ${JSON.stringify(String(raw[0]).slice(0, 40))}`);
    const params: unknown = raw[1];
    switch (type) {
      case 'add-attr': {
        const attr = parseAttr(params, [...path, 1], undefined);
        if (attrs.has(attr.id)) fail([...path, 1, 'id'], `attr id ${attr.id} is already in use`);
        checkIdentities(attrs, attr, [...path, 1]);
        attrs.set(attr.id, attr);
        steps.push(['add-attr', attr]);
        break;
      }
      case 'update-attr': {
        if (!isObject(params)) fail([...path, 1], 'must be an attr object');
        const existing = typeof params.id === 'string' ? attrs.get(params.id) : undefined;
        if (!existing) fail([...path, 1, 'id'], `unknown attr id ${JSON.stringify(params.id)}`);
        const merged = parseAttr(params, [...path, 1], existing);
        checkIdentities(attrs, merged, [...path, 1]);
        attrs.set(merged.id, merged);
        steps.push(['update-attr', merged]);
        break;
      }
      case 'delete-attr': {
        if (typeof params !== 'string' || !attrs.has(params)) fail([...path, 1], `unknown attr id ${JSON.stringify(params)}`);
        attrs.delete(params);
        steps.push(['delete-attr', params]);
        break;
      }
      default: {
        if (!isObject(params)) fail([...path, 1], 'must be an object with "attr-id"');
        const id = params['attr-id'];
        const attr = typeof id === 'string' ? attrs.get(id) : undefined;
        if (!attr) fail([...path, 1, 'attr-id'], `unknown attr id ${JSON.stringify(id)}`);
        const next = { ...attr };
        const ident = attr['forward-identity'];
        if (type === 'check-data-type') {
          const t = params['checked-data-type'];
          if (!CHECKED_DATA_TYPES.includes(t as CheckedDataType)) fail([...path, 1, 'checked-data-type'], `must be one of ${CHECKED_DATA_TYPES.join(', ')}`);
          if (attr['value-type'] !== 'blob') fail([...path, 1, 'attr-id'], 'a link has no data type');
          next['checked-data-type'] = t as CheckedDataType;
          steps.push(['check-data-type', { 'attr-id': attr.id, 'checked-data-type': t as CheckedDataType, 'forward-identity': ident }]);
        } else {
          if (type === 'remove-data-type') next['checked-data-type'] = null;
          else if (type === 'index' || type === 'remove-index') next['index?'] = type === 'index';
          else if (type === 'unique' || type === 'remove-unique') next['unique?'] = type === 'unique';
          else next['required?'] = type === 'required';
          steps.push([type, { 'attr-id': attr.id, 'forward-identity': ident }] as Step);
        }
        attrs.set(attr.id, next);
      }
    }
  });
  if (attrs.size > SCHEMA_LIMITS.maxAttrs) fail(['steps'], `an app may have at most ${SCHEMA_LIMITS.maxAttrs} attributes`);
  return { attrs, steps };
}

function parseIdentity(v: unknown, path: Path, what: 'entity' | 'attribute' | 'link label'): Identity {
  if (!Array.isArray(v) || v.length !== 3) fail(path, 'must be [id, entity, label]');
  const [id, etype, label] = v as unknown[];
  if (typeof id !== 'string' || !isUuid(id)) fail([...path, 0], 'must be a UUID');
  const e = nameProblem(etype, 'entity');
  if (e) fail([...path, 1], e);
  const l = nameProblem(label, what);
  if (l) fail([...path, 2], l);
  return [id.toLowerCase(), etype as string, label as string];
}

function oneOf<T>(v: unknown, allowed: readonly T[], path: Path, fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

/** An attr from step params; for update-attr, fields not sent keep their current value. */
function parseAttr(v: unknown, path: Path, base: Attr | undefined): Attr {
  if (!isObject(v)) fail(path, 'must be an attr object');
  const id = v.id;
  if (typeof id !== 'string' || !isUuid(id)) fail([...path, 'id'], 'must be a UUID');
  const valueType = oneOf(v['value-type'], ['blob', 'ref'] as const, [...path, 'value-type'], base?.['value-type'] ?? (undefined as never));
  if (!valueType) fail([...path, 'value-type'], 'must be "blob" or "ref"');
  const fwd = v['forward-identity'] === undefined && base ? base['forward-identity'] : parseIdentity(v['forward-identity'], [...path, 'forward-identity'], valueType === 'ref' ? 'link label' : 'attribute');
  let rev: Identity | null = base ? base['reverse-identity'] : null;
  if (v['reverse-identity'] !== undefined) rev = v['reverse-identity'] === null ? null : parseIdentity(v['reverse-identity'], [...path, 'reverse-identity'], 'link label');
  if (valueType === 'ref' && !rev) fail([...path, 'reverse-identity'], 'a ref attr needs a reverse identity');
  if (valueType === 'blob' && rev) fail([...path, 'reverse-identity'], 'a blob attr has no reverse identity');
  if (fwd[0] !== id.toLowerCase() && !base) fail([...path, 'forward-identity', 0], 'must equal the attr id');
  const bool = (k: 'unique?' | 'index?' | 'required?') => {
    const b = v[k];
    if (b === undefined || b === null) return base?.[k] ?? false;
    if (typeof b !== 'boolean') fail([...path, k], 'must be true or false');
    return b;
  };
  const nullable = <T>(k: string, allowed: readonly T[], fallback: T | null): T | null => {
    const x = v[k];
    if (x === undefined) return fallback;
    if (x === null) return null;
    return oneOf(x, allowed, [...path, k], null);
  };
  const checked = nullable('checked-data-type', CHECKED_DATA_TYPES, base?.['checked-data-type'] ?? null);
  if (checked && valueType === 'ref') fail([...path, 'checked-data-type'], 'a link has no data type');
  if (v.catalog !== undefined && v.catalog !== 'user') fail([...path, 'catalog'], 'only "user" attrs can be changed');
  return makeAttr({
    id: id.toLowerCase(),
    'forward-identity': fwd,
    'reverse-identity': rev,
    'value-type': valueType,
    cardinality: oneOf(v.cardinality, ['one', 'many'] as const, [...path, 'cardinality'], base?.cardinality ?? 'one'),
    'unique?': bool('unique?'),
    'index?': bool('index?'),
    'required?': bool('required?'),
    'checked-data-type': checked,
    'on-delete': nullable('on-delete', ['cascade'] as const, base?.['on-delete'] ?? null),
    'on-delete-reverse': nullable('on-delete-reverse', ['cascade'] as const, base?.['on-delete-reverse'] ?? null),
  });
}

/** Within one entity every forward and reverse label names one thing (docs/api.md §6: duplicate identities are refused). */
function checkIdentities(attrs: Map<string, Attr>, attr: Attr, path: Path): void {
  const mine = [attr['forward-identity'], attr['reverse-identity']].filter((x): x is Identity => x !== null);
  if (mine.length === 2 && mine[0]![1] === mine[1]![1] && mine[0]![2] === mine[1]![2]) {
    fail([...path, 'reverse-identity'], `${mine[0]![1]}.${mine[0]![2]} is used by both sides of the link`);
  }
  for (const other of attrs.values()) {
    if (other.id === attr.id) continue;
    for (const theirs of [other['forward-identity'], other['reverse-identity']]) {
      if (!theirs) continue;
      for (const ident of mine) {
        if (ident[1] === theirs[1] && ident[2] === theirs[2]) {
          fail([...path, ident === attr['forward-identity'] ? 'forward-identity' : 'reverse-identity'], `${ident[1]}.${ident[2]} already exists`);
        }
      }
    }
  }
}

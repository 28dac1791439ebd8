import { ApiError } from '../../errors.ts';
import { nameProblem } from './names.ts';
import { SCHEMA_LIMITS, type CheckedDataType } from './types.ts';

/** One field of an entity in Defs (the JSON of `i.string().indexed()` …). */
export interface FieldDef {
  valueType: 'string' | 'number' | 'boolean' | 'date' | 'json' | 'any';
  required: boolean;
  indexed: boolean;
  unique: boolean;
}

export interface LinkSide {
  on: string;
  label: string;
  has: 'one' | 'many';
  onDelete: 'cascade' | null;
}

export interface LinkDef {
  name: string;
  forward: LinkSide & { required: boolean };
  reverse: LinkSide;
}

/** Defs after validation: entities in the order sent, links by name. */
export interface Defs {
  entities: Map<string, Map<string, FieldDef>>;
  links: LinkDef[];
}

const VALUE_TYPES = ['string', 'number', 'boolean', 'date', 'json', 'any'] as const;

/** The checked data type a field's value type asks for (json/any: none). */
export function checkedTypeOf(valueType: FieldDef['valueType']): CheckedDataType | null {
  return valueType === 'json' || valueType === 'any' ? null : valueType;
}

type Path = (string | number)[];

function fail(path: Path, message: string): never {
  const where = path.join('.');
  throw ApiError.validation(`Invalid schema at ${where}: ${message}`, [{ path, message }]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optBool(v: unknown, path: Path): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(path, 'must be true or false');
  return v;
}

/**
 * Validates Defs (`{"entities", "links"}`, the JSON of `i.schema(…)`) and returns them normalised.
 * Extra keys the SDK sends (`rooms`, an entity's `links`, `isIndexed`, `metadata`) are ignored.
 * Every problem is a 400 `validation-failed` naming the path.
 */
export function parseDefs(input: unknown): Defs {
  if (!isObject(input)) fail(['schema'], 'must be an object with "entities" and "links"');
  const entitiesIn = input.entities ?? {};
  const linksIn = input.links ?? {};
  if (!isObject(entitiesIn)) fail(['schema', 'entities'], 'must be an object');
  if (!isObject(linksIn)) fail(['schema', 'links'], 'must be an object');
  const names = Object.keys(entitiesIn);
  if (names.length > SCHEMA_LIMITS.maxEntities) fail(['schema', 'entities'], `at most ${SCHEMA_LIMITS.maxEntities} entities are allowed`);

  let total = 0;
  const entities = new Map<string, Map<string, FieldDef>>();
  for (const etype of names) {
    const path: Path = ['schema', 'entities', etype];
    const problem = nameProblem(etype, 'entity');
    if (problem) fail(path, problem);
    const entity = entitiesIn[etype];
    if (!isObject(entity)) fail(path, 'must be an object with "attrs"');
    const attrsIn = entity.attrs ?? {};
    if (!isObject(attrsIn)) fail([...path, 'attrs'], 'must be an object');
    const fields = new Map<string, FieldDef>();
    for (const [label, def] of Object.entries(attrsIn)) {
      const p: Path = [...path, 'attrs', label];
      const lp = nameProblem(label, 'attribute');
      if (lp) fail(p, lp);
      if (label === 'id') fail(p, '"id" is defined by every entity already; remove it');
      if (!isObject(def)) fail(p, 'must be an attribute definition object');
      const valueType = def.valueType;
      if (typeof valueType !== 'string' || !(VALUE_TYPES as readonly string[]).includes(valueType)) {
        fail([...p, 'valueType'], `must be one of ${VALUE_TYPES.join(', ')}`);
      }
      const config = def.config ?? {};
      if (!isObject(config)) fail([...p, 'config'], 'must be an object');
      fields.set(label, {
        valueType: valueType as FieldDef['valueType'],
        required: optBool(def.required, [...p, 'required']),
        indexed: optBool(config.indexed, [...p, 'config', 'indexed']),
        unique: optBool(config.unique, [...p, 'config', 'unique']),
      });
      total++;
    }
    entities.set(etype, fields);
  }

  const links: LinkDef[] = [];
  for (const [name, link] of Object.entries(linksIn)) {
    const path: Path = ['schema', 'links', name];
    if (!isObject(link)) fail(path, 'must be an object with "forward" and "reverse"');
    const forward = parseSide(link.forward, [...path, 'forward']);
    const reverse = parseSide(link.reverse, [...path, 'reverse']);
    const required = optBool((link.forward as Record<string, unknown>).required, [...path, 'forward', 'required']);
    links.push({ name, forward: { ...forward, required }, reverse });
    total++;
  }
  if (total > SCHEMA_LIMITS.maxAttrs) fail(['schema'], `at most ${SCHEMA_LIMITS.maxAttrs} attributes and links are allowed`);
  return { entities, links };
}

function parseSide(v: unknown, path: Path): LinkSide {
  if (!isObject(v)) fail(path, 'must be an object with "on", "label" and "has"');
  const on = nameProblem(v.on, 'entity');
  if (on) fail([...path, 'on'], on);
  const label = nameProblem(v.label, 'link label');
  if (label) fail([...path, 'label'], label);
  if (v.label === 'id') fail([...path, 'label'], '"id" cannot be a link label');
  if (v.has !== 'one' && v.has !== 'many') fail([...path, 'has'], 'must be "one" or "many"');
  if (v.onDelete !== undefined && v.onDelete !== null && v.onDelete !== 'cascade') fail([...path, 'onDelete'], 'must be "cascade" when set');
  const onDelete = v.onDelete === 'cascade' ? 'cascade' : null;
  if (onDelete && v.has === 'many') fail([...path, 'onDelete'], 'onDelete "cascade" needs has: "one"');
  return { on: v.on as string, label: v.label as string, has: v.has, onDelete };
}

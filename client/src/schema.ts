/**
 * The `i` schema builder: describe an app's entities, attributes and links in TypeScript and
 * push them with {@link PlatformApi.schemaPush} or the CLI. `JSON.stringify(i.schema(…))` is
 * byte-for-byte what `@instantdb/core`'s `i.schema(…)` serialises to, and {@link schemaToDefs}
 * projects any such schema to the wire `Defs` of docs/api.md §6.
 *
 * @module
 */

/** Value types an attribute can have (docs/api.md §6 `valueType`). */
export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'json' | 'any';

/** Index / uniqueness flags of an attribute. */
export interface AttrConfig {
  indexed: boolean;
  unique: boolean;
}

/** One plain attribute of an entity. Immutable: every modifier returns a new definition. */
export class DataAttrDef<V extends ValueType = ValueType, Required extends boolean = boolean> {
  /** The attribute's value type. */
  valueType: V;
  /** Whether every entity must have a value (`optional()` clears it). */
  required: Required;
  /** Same as `config.indexed` (kept for JSON compatibility with `@instantdb/core`). */
  isIndexed: boolean;
  /** Index and uniqueness flags. */
  config: AttrConfig;
  /** Free-form metadata (serialised as `{}` unless set, like `@instantdb/core`). */
  metadata: Record<string, unknown> = {};

  constructor(valueType: V, required: Required, isIndexed: boolean, config: AttrConfig = { indexed: false, unique: false }) {
    this.valueType = valueType;
    this.required = required;
    this.isIndexed = isIndexed;
    this.config = config;
  }

  /** The attribute may be missing or null. */
  optional(): DataAttrDef<V, false> {
    return new DataAttrDef(this.valueType, false, this.isIndexed, this.config);
  }

  /** No two entities may share a value of this attribute. */
  unique(): DataAttrDef<V, Required> {
    return new DataAttrDef(this.valueType, this.required, this.isIndexed, { ...this.config, unique: true });
  }

  /** Index the attribute, so it can be filtered and ordered on. */
  indexed(): DataAttrDef<V, Required> {
    return new DataAttrDef(this.valueType, this.required, true, { ...this.config, indexed: true });
  }
}

/** The attributes of one entity, by name. */
export type AttrsDefs = Record<string, DataAttrDef>;

/** One side of a link as recorded on an entity: the entity at the other end and how many. */
export interface LinkAttrDef<Cardinality extends 'one' | 'many' = 'one' | 'many', EntityName extends string = string> {
  entityName: EntityName;
  cardinality: Cardinality;
}

/** One entity (namespace): its attributes and, once in a schema, its link labels. */
/** `attrs`: the entity's attributes; `links`: its link labels, filled in by `i.schema`. */
export class EntityDef<Attrs extends AttrsDefs = AttrsDefs, Links extends Record<string, LinkAttrDef> = Record<string, LinkAttrDef>> {
  attrs: Attrs;
  links: Links;
  constructor(attrs: Attrs, links: Links) {
    this.attrs = attrs;
    this.links = links;
  }
}

/** One side of a link definition. */
export interface LinkSide<E extends string = string> {
  /** The entity this side is on. */
  on: E;
  /** How many entities of the other side one entity of this side has. */
  has: 'one' | 'many';
  /** The name of the link as seen from this side. */
  label: string;
  /** Delete linked entities along with this one. */
  onDelete?: 'cascade';
  /** Only on the forward side: the link must exist. */
  required?: boolean;
}

/** A link between two entities (docs/api.md §6 `links`). */
export interface LinkDef<E extends string = string> {
  forward: LinkSide<E>;
  reverse: LinkSide<E>;
}

/** Links of a schema, by name. */
export type LinksDef<E extends string = string> = Record<string, LinkDef<E>>;

/** A complete schema: entities with their link labels, the links themselves, and rooms. */
/** `entities`, `links` and (presence) `rooms`; made by `i.schema`. */
export class InstantSchemaDef<
  Entities extends Record<string, EntityDef> = Record<string, EntityDef>,
  Links extends LinksDef = LinksDef,
  Rooms extends Record<string, unknown> = Record<string, unknown>,
> {
  entities: Entities;
  links: Links;
  rooms: Rooms;
  constructor(entities: Entities, links: Links, rooms: Rooms) {
    this.entities = entities;
    this.links = links;
    this.rooms = rooms;
  }
}

/** Names of the entities of a schema. */
export type EntityNames<S extends InstantSchemaDef> = keyof S['entities'] & string;

/** Names of the attributes of one entity of a schema. */
export type AttrNames<S extends InstantSchemaDef, E extends EntityNames<S>> = keyof S['entities'][E]['attrs'] & string;

type ValueOf<V extends ValueType> = V extends 'string'
  ? string
  : V extends 'number'
    ? number
    : V extends 'boolean'
      ? boolean
      : V extends 'date'
        ? string | number
        : unknown;

/** The TypeScript shape of one entity's stored values, inferred from its attributes. */
export type EntityValues<E extends EntityDef> = { id: string } & {
  [K in keyof E['attrs'] as E['attrs'][K] extends DataAttrDef<ValueType, true> ? K : never]: ValueOf<E['attrs'][K]['valueType']>;
} & {
  [K in keyof E['attrs'] as E['attrs'][K] extends DataAttrDef<ValueType, true> ? never : K]?: ValueOf<E['attrs'][K]['valueType']> | null;
};

// Records each link on both entities it joins, like `@instantdb/core` does.
function linkLabels(entities: Record<string, EntityDef>, links: LinksDef): Record<string, EntityDef> {
  const byEntity: Record<string, { fwd: Record<string, LinkAttrDef>; rev: Record<string, LinkAttrDef> }> = {};
  const side = (e: string) => (byEntity[e] ??= { fwd: {}, rev: {} });
  for (const link of Object.values(links)) {
    side(link.forward.on).fwd[link.forward.label] = { entityName: link.reverse.on, cardinality: link.forward.has };
    side(link.reverse.on).rev[link.reverse.label] = { entityName: link.forward.on, cardinality: link.reverse.has };
  }
  const out: Record<string, EntityDef> = {};
  for (const [name, def] of Object.entries(entities)) {
    out[name] = new EntityDef(def.attrs, { ...byEntity[name]?.fwd, ...byEntity[name]?.rev });
  }
  return out;
}

/** Defines a schema from entities, links and (presence) rooms. */
function schema<Entities extends Record<string, EntityDef>, const Links extends LinksDef<keyof Entities & string> = Record<never, never>, Rooms extends Record<string, unknown> = Record<never, never>>(def: {
  entities: Entities;
  links?: Links;
  rooms?: Rooms;
}): InstantSchemaDef<Entities, Links, Rooms> {
  const links = (def.links ?? {}) as Links;
  const rooms = (def.rooms ?? {}) as Rooms;
  return new InstantSchemaDef(linkLabels(def.entities, links) as Entities, links, rooms);
}

/** Defines one entity from its attributes. Every entity also has an `id`. */
function entity<Attrs extends AttrsDefs>(attrs: Attrs): EntityDef<Attrs, Record<never, never>> {
  return new EntityDef(attrs, {});
}

/**
 * The schema builder.
 *
 * ```ts
 * const schema = i.schema({
 *   entities: { todos: i.entity({ text: i.string(), done: i.boolean().optional(), due: i.date().indexed() }) },
 * });
 * ```
 */
export const i = {
  schema,
  entity,
  /** A string attribute (required unless `.optional()`). */
  string: () => new DataAttrDef('string', true, false),
  /** A number attribute. */
  number: () => new DataAttrDef('number', true, false),
  /** A boolean attribute. */
  boolean: () => new DataAttrDef('boolean', true, false),
  /** A date attribute (ISO string or epoch ms). */
  date: () => new DataAttrDef('date', true, false),
  /** Any JSON value; no data type is checked. */
  json: <_T = unknown>() => new DataAttrDef('json', true, false),
  /** Any value; serialised as `json`, as `@instantdb/core` does (no checked data type). */
  any: () => new DataAttrDef('json', true, false),
};

/** docs/api.md §6 `Defs`: exactly what is sent as `schema` to the plan and apply endpoints. */
export interface Defs {
  entities: Record<string, { attrs: Record<string, { valueType: ValueType; required: boolean; config: AttrConfig }> }>;
  links: Record<string, { forward: LinkSide; reverse: LinkSide }>;
}

/** Anything shaped like a schema from `i.schema` here or from Instant's own packages. */
export interface SchemaLike {
  entities: Record<string, { attrs: Record<string, { valueType: string; required: boolean; config?: Partial<AttrConfig> }> }>;
  links?: Record<string, { forward: LinkSide; reverse: LinkSide }>;
}

function sideDefs(s: LinkSide): LinkSide {
  const out: LinkSide = { on: s.on, label: s.label, has: s.has };
  if (s.onDelete) out.onDelete = s.onDelete;
  if (s.required !== undefined) out.required = s.required;
  return out;
}

/**
 * Projects a schema (from this kit's `i`, or from `@instantdb/core` / `@instantdb/admin`) to the
 * wire `Defs` of docs/api.md §6, dropping client-only fields (`isIndexed`, `metadata`, `rooms`, link labels on entities).
 */
export function schemaToDefs(s: SchemaLike): Defs {
  const entities: Defs['entities'] = {};
  for (const [etype, ent] of Object.entries(s.entities)) {
    const attrs: Defs['entities'][string]['attrs'] = {};
    for (const [label, a] of Object.entries(ent.attrs)) {
      attrs[label] = {
        valueType: a.valueType as ValueType,
        required: Boolean(a.required),
        config: { indexed: Boolean(a.config?.indexed), unique: Boolean(a.config?.unique) },
      };
    }
    entities[etype] = { attrs };
  }
  const links: Defs['links'] = {};
  for (const [name, l] of Object.entries(s.links ?? {})) links[name] = { forward: sideDefs(l.forward), reverse: sideDefs(l.reverse) };
  return { entities, links };
}

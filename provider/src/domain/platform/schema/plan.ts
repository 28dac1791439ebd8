import { ApiError } from '../../errors.ts';
import { checkedTypeOf, type Defs, type FieldDef, type LinkDef } from './defs.ts';
import type { Attr, FlagStepType, Identity, Step } from './types.ts';

export interface PlanOptions {
  /** Split flag changes into index/unique/required steps (the SDK and CLI send true). */
  supportsBackgroundUpdates: boolean;
  /** Plan check-data-type / remove-data-type steps and give new attrs a checked type. */
  checkTypes: boolean;
}

const fwdKey = (etype: string, label: string) => `${etype}\u0000${label}`;

/** Attr JSON with every field set. */
export function makeAttr(fields: Partial<Attr> & Pick<Attr, 'id' | 'forward-identity' | 'value-type'>): Attr {
  return {
    'reverse-identity': null,
    cardinality: 'one',
    'unique?': false,
    'index?': false,
    'required?': false,
    'checked-data-type': null,
    'inferred-types': null,
    catalog: 'user',
    'on-delete': null,
    'on-delete-reverse': null,
    ...fields,
  };
}

/** The `id` attr every entity has (docs/api.md §6). */
export function idAttr(id: string, etype: string): Attr {
  return makeAttr({ id, 'forward-identity': [id, etype, 'id'], 'value-type': 'blob', 'unique?': true });
}

/**
 * Plans the steps that turn `current` into a store matching `defs` (docs/api.md §6): new entities get their `id`
 * attr, new fields and links an `add-attr`, changed flags a flag step (or one `update-attr`), changed
 * checked types a data-type step. Nothing is deleted. Pure: `newId` supplies fresh attr ids.
 */
export function planSteps(current: readonly Attr[], defs: Defs, opts: PlanOptions, newId: () => string): Step[] {
  const byFwd = new Map<string, Attr>();
  const etypes = new Set<string>();
  for (const a of current) {
    byFwd.set(fwdKey(a['forward-identity'][1], a['forward-identity'][2]), a);
    etypes.add(a['forward-identity'][1]);
  }
  const steps: Step[] = [];

  for (const [etype, fields] of defs.entities) {
    if (!byFwd.has(fwdKey(etype, 'id'))) {
      const id = newId();
      steps.push(['add-attr', idAttr(id, etype)]);
    }
    etypes.add(etype);
    for (const [label, field] of fields) {
      const existing = byFwd.get(fwdKey(etype, label));
      if (!existing) {
        const id = newId();
        steps.push(['add-attr', blobAttr(id, etype, label, field, opts.checkTypes)]);
        continue;
      }
      if (existing['value-type'] !== 'blob') {
        throw conflict(['schema', 'entities', etype, 'attrs', label], `${etype}.${label} is already a link; choose another name`);
      }
      const want = { 'unique?': field.unique, 'index?': field.indexed, 'required?': field.required };
      steps.push(...flagSteps(existing, want, opts.supportsBackgroundUpdates));
      if (opts.checkTypes) {
        const type = checkedTypeOf(field.valueType);
        const ident = existing['forward-identity'];
        if (type !== existing['checked-data-type']) {
          steps.push(
            type
              ? ['check-data-type', { 'attr-id': existing.id, 'checked-data-type': type, 'forward-identity': ident }]
              : ['remove-data-type', { 'attr-id': existing.id, 'forward-identity': ident }],
          );
        }
      }
    }
  }

  for (const link of defs.links) {
    const path = ['schema', 'links', link.name];
    for (const side of ['forward', 'reverse'] as const) {
      if (!etypes.has(link[side].on)) throw conflict([...path, side, 'on'], `links to entity ${JSON.stringify(link[side].on)}, which is not in the schema`);
    }
    const existing = byFwd.get(fwdKey(link.forward.on, link.forward.label));
    if (!existing) {
      steps.push(['add-attr', refAttr(newId(), newId(), link)]);
      continue;
    }
    if (existing['value-type'] !== 'ref') {
      throw conflict([...path, 'forward', 'label'], `${link.forward.on}.${link.forward.label} is already an attribute; choose another label`);
    }
    const want = refAttr(existing.id, existing['reverse-identity']?.[0] ?? newId(), link);
    const restDiffers = !sameAttr({ ...want, 'required?': existing['required?'] }, existing);
    const requiredDiffers = want['required?'] !== existing['required?'];
    if (opts.supportsBackgroundUpdates) {
      if (restDiffers) steps.push(['update-attr', { ...want, 'required?': existing['required?'] }]);
      if (requiredDiffers) {
        steps.push([want['required?'] ? 'required' : 'remove-required', { 'attr-id': existing.id, 'forward-identity': existing['forward-identity'] }]);
      }
    } else if (restDiffers || requiredDiffers) {
      steps.push(['update-attr', want]);
    }
  }
  return steps;
}

function blobAttr(id: string, etype: string, label: string, f: FieldDef, checkTypes: boolean): Attr {
  return makeAttr({
    id,
    'forward-identity': [id, etype, label],
    'value-type': 'blob',
    'unique?': f.unique,
    'index?': f.indexed,
    'required?': f.required,
    'checked-data-type': checkTypes ? checkedTypeOf(f.valueType) : null,
  });
}

/** A link's attr: cardinality is the forward `has`; unique when the reverse `has` is one (docs/api.md §6). */
export function refAttr(id: string, reverseId: string, link: LinkDef): Attr {
  return makeAttr({
    id,
    'forward-identity': [id, link.forward.on, link.forward.label],
    'reverse-identity': [reverseId, link.reverse.on, link.reverse.label],
    'value-type': 'ref',
    cardinality: link.forward.has,
    'unique?': link.reverse.has === 'one',
    'required?': link.forward.required,
    'on-delete': link.forward.onDelete,
    'on-delete-reverse': link.reverse.onDelete,
  });
}

function flagSteps(a: Attr, want: Pick<Attr, 'unique?' | 'index?' | 'required?'>, background: boolean): Step[] {
  const changed = (['unique?', 'index?', 'required?'] as const).filter((k) => a[k] !== want[k]);
  if (changed.length === 0) return [];
  if (!background) return [['update-attr', { ...a, ...want }]];
  const names: Record<(typeof changed)[number], [FlagStepType, FlagStepType]> = {
    'unique?': ['unique', 'remove-unique'],
    'index?': ['index', 'remove-index'],
    'required?': ['required', 'remove-required'],
  };
  const ident: Identity = a['forward-identity'];
  return changed.map((k) => [want[k] ? names[k][0] : names[k][1], { 'attr-id': a.id, 'forward-identity': ident }] as Step);
}

/** Same attr JSON, whatever the key order. */
export function sameAttr(a: Attr, b: Attr): boolean {
  const canon = (x: Attr) => JSON.stringify(Object.entries(x).sort(([k], [l]) => k.localeCompare(l)));
  return canon(a) === canon(b);
}

function conflict(path: (string | number)[], message: string): ApiError {
  return ApiError.validation(`Invalid schema at ${path.join('.')}: ${message}`, [{ path, message }]);
}

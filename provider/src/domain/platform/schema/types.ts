/** Wire shapes of the schema model (docs/api.md §6). */

export type Identity = [id: string, etype: string, label: string];
export type CheckedDataType = 'string' | 'number' | 'boolean' | 'date';

/** One attr, exactly as it goes over the wire. */
export interface Attr {
  id: string;
  'forward-identity': Identity;
  'reverse-identity': Identity | null;
  'value-type': 'blob' | 'ref';
  cardinality: 'one' | 'many';
  'unique?': boolean;
  'index?': boolean;
  'required?': boolean;
  'checked-data-type': CheckedDataType | null;
  'inferred-types': null;
  catalog: 'user';
  'on-delete': 'cascade' | null;
  'on-delete-reverse': 'cascade' | null;
}

export type FlagStepType = 'index' | 'remove-index' | 'unique' | 'remove-unique' | 'required' | 'remove-required';

/** A step: `[type, params]`. `job-id` is added to background-style steps when applied. */
export type Step =
  | ['add-attr', Attr]
  | ['update-attr', Attr]
  | ['delete-attr', string]
  | [FlagStepType, { 'attr-id': string; 'forward-identity': Identity; 'job-id'?: string }]
  | ['check-data-type', { 'attr-id': string; 'checked-data-type': CheckedDataType; 'forward-identity': Identity; 'job-id'?: string }]
  | ['remove-data-type', { 'attr-id': string; 'forward-identity': Identity; 'job-id'?: string }];

export type StepType = Step[0];

export const STEP_TYPES: readonly StepType[] = [
  'add-attr',
  'update-attr',
  'delete-attr',
  'index',
  'remove-index',
  'unique',
  'remove-unique',
  'required',
  'remove-required',
  'check-data-type',
  'remove-data-type',
];

/** Steps that run as background jobs upstream; here they get a Job that completes at once. */
export const JOB_STEP_TYPES: ReadonlySet<StepType> = new Set([
  'index',
  'remove-index',
  'unique',
  'remove-unique',
  'required',
  'remove-required',
  'check-data-type',
  'remove-data-type',
]);

export const CHECKED_DATA_TYPES: readonly CheckedDataType[] = ['string', 'number', 'boolean', 'date'];

/** `GET …/schema`: blobs by entity and label, refs by a key naming both sides. */
export interface ApiSchema {
  blobs: Record<string, Record<string, Attr>>;
  refs: Record<string, Attr>;
}

/** Limits on one app's schema (docs/security.md §15). */
export const SCHEMA_LIMITS = {
  maxEntities: 500,
  maxAttrs: 5000,
  maxSteps: 5000,
  maxNameLength: 128,
};

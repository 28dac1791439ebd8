import { z } from 'zod';
import { ApiError } from '../errors.ts';
import { emailSchema } from './users.ts';

/** Bounds of everything a user can type into the dashboard (docs/security.md §15). */
export const LIMITS = {
  name: 100,
  url: 2000,
  redirectUris: 10,
  logoBytes: 64 * 1024,
  /** The largest uploaded logo file whose base64 `data:` URL still fits in logoBytes (docs/pages.md §9). */
  logoFileBytes: 47 * 1024,
  tokenDays: 3650,
} as const;

/** Largest JSON or form body an account endpoint reads (a logo data: URI fits with room to spare). */
export const ACCOUNT_BODY_BYTES = 128 * 1024;

// Control characters (NUL above all: Postgres text cannot hold it) are refused in every stored string.
const CONTROL = /[\p{Cc}]/u;

export const nameSchema = z
  .string({ error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(LIMITS.name, `A name is at most ${LIMITS.name} characters`)
  .refine((v) => !CONTROL.test(v), 'A name cannot contain control characters');

/** An absolute http(s) URL with no credentials: home pages. */
export const webUrlSchema = z
  .string()
  .trim()
  .max(LIMITS.url, `A URL is at most ${LIMITS.url} characters`)
  .refine((v) => {
    const u = parseUrl(v);
    return !!u && (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !!u.hostname && !CONTROL.test(v);
  }, 'Enter an absolute http(s) URL, like https://example.com');

const DATA_LOGO = /^data:image\/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]+={0,2})$/;

/** A logo: an https URL, or a small inline image (only `data:` logos are rendered, per CSP `img-src 'self' data:`). */
export const logoSchema = z
  .string()
  .trim()
  .max(LIMITS.logoBytes, `An inline logo is at most ${LIMITS.logoBytes / 1024} KiB`)
  .refine((v) => {
    if (v.startsWith('data:')) return DATA_LOGO.test(v);
    const u = parseUrl(v);
    return !!u && u.protocol === 'https:' && !u.username && !u.password && v.length <= LIMITS.url && !CONTROL.test(v);
  }, 'A logo is an https URL or a data:image/(png|jpeg|gif|webp);base64,… URI');

export function isInlineLogo(logo: string | null | undefined): logo is string {
  return !!logo && DATA_LOGO.test(logo);
}

/** `""` from an empty form field means "not given". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

export const personalTokenInput = z.object({
  name: nameSchema,
  expires_in_days: optional(
    z.coerce
      .number({ error: 'Days must be a whole number' })
      .int('Days must be a whole number')
      .min(1, 'A token lives at least 1 day')
      .max(LIMITS.tokenDays, `A token lives at most ${LIMITS.tokenDays} days`),
  ),
});

export const oauthAppInput = z.object({
  name: nameSchema,
  home_page: optional(webUrlSchema),
  logo: optional(logoSchema),
  support_email: optional(emailSchema),
});

/** Changes to an app: only the fields given change; `null` or `""` clears an optional one. */
export const oauthAppPatch = z.object({
  name: nameSchema.optional(),
  home_page: z.union([z.literal(''), z.null(), webUrlSchema]).optional(),
  logo: z.union([z.literal(''), z.null(), logoSchema]).optional(),
  support_email: z.union([z.literal(''), z.null(), emailSchema]).optional(),
});

export const redirectUriSchema = z.string({ error: 'Enter a redirect URI' }).max(LIMITS.url, `A redirect URI is at most ${LIMITS.url} characters`);

export const clientInput = z.object({
  name: nameSchema,
  redirect_uris: z
    .array(redirectUriSchema, { error: 'redirect_uris must be a list of URIs' })
    .min(1, 'Add at least one redirect URI')
    .max(LIMITS.redirectUris, `At most ${LIMITS.redirectUris} redirect URIs`),
  public: z.boolean({ error: 'public must be true or false' }).optional().default(false),
});

export const redirectUriInput = z.object({ redirect_uri: redirectUriSchema });

export const credentialsInput = z.object({
  email: z.string({ error: 'Enter your email' }).max(1000),
  password: z.string({ error: 'Enter your password' }).max(1000),
});

/** Parses with zod; a failure is a 400 `validation-failed` naming each bad field. Never a 500. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
  }));
  const first = errors[0];
  const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
  throw ApiError.validation(first ? `${where}${first.message}` : 'The request is invalid', errors);
}

function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

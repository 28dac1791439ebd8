// Baseline peer configuration, shared by oidc-provider 8.x on Node 20 (oidc-provider.ts) and 9.x on Node 24
// (bench/peers/oidc-provider-9.ts), with the memory adapter or the Redis adapter (redis-adapter.ts). Configured to
// do what our provider does in the benchmarked scenarios:
//   - one confidential client (client_secret_basic), PKCE S256 required, refresh tokens always issued
//     (issueRefreshToken → true) and, as for our confidential clients, not rotated; opaque access tokens; no
//     id_token on refresh;
//   - an interaction endpoint that logs in a fixed account and grants the requested scopes at once (no HTML),
//     so a complete code flow can be scripted over HTTP: the bench sets up a session once, then each flow is
//     GET /auth (prompt=consent) → 303 /interaction/:uid → (auto-consent) 303 /auth/:uid → 303 callback?code → POST /token.
// Only type imports of oidc-provider here: the class is passed in by each entry, from its own install.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

export const OIDC_CLIENT = {
  client_id: 'bench-client',
  client_secret: 'bench-client-secret-0123456789abcdef0123456789',
  redirect_uri: 'http://127.0.0.1:9/callback',
} as const;
export const OIDC_ACCOUNT = 'bench-user';
export const OIDC_SCOPES = ['apps-read', 'apps-write'];

export function createOidcProvider(ProviderClass: typeof Provider, issuer: string, adapter?: unknown): Provider {
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [
      {
        client_id: OIDC_CLIENT.client_id,
        client_secret: OIDC_CLIENT.client_secret,
        redirect_uris: [OIDC_CLIENT.redirect_uri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    scopes: ['openid', 'offline_access', ...OIDC_SCOPES],
    pkce: { methods: ['S256'], required: () => true },
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => false,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef0123456789'] },
    jwks: { keys: [{ ...signingKey, kid: 'bench', use: 'sig', alg: 'ES256' } as never] },
    ttl: { AccessToken: 3600, AuthorizationCode: 600, RefreshToken: 30 * 86_400, Interaction: 600, Session: 14 * 86_400, Grant: 30 * 86_400 },
  };
  const provider = new ProviderClass(issuer, adapter ? { ...configuration, adapter } : configuration);

  // Auto-login and auto-consent: the interaction is finished without rendering anything.
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.session?.accountId ?? OIDC_ACCOUNT;
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId: OIDC_CLIENT.client_id }))
      : new provider.Grant({ accountId, clientId: OIDC_CLIENT.client_id });
    grant.addOIDCScope(String(details.params.scope ?? ''));
    const grantId = await grant.save();
    const result = { ...(details.prompt.name === 'login' ? { login: { accountId } } : {}), consent: { grantId } };
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('Location', returnTo);
    ctx.body = '';
  });
  return provider;
}

/** Serves a peer on PORT (0: a free one) and prints `oidc-provider listening on <url>` once bound. */
export function serveOidc(ProviderClass: typeof Provider, adapter?: unknown, onStop: () => Promise<void> = async () => {}): void {
  const server = createServer();
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = createOidcProvider(ProviderClass, url, adapter);
    server.on('request', provider.callback());
    process.stdout.write(`oidc-provider listening on ${url}\n`);
  });
  const stop = () => server.close(() => void onStop().finally(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

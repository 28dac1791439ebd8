// Baseline peer: oidc-provider 8.x (the workspace's devDependency) on the workspace's Node 20, memory adapter.
// The configuration is shared with the 9.x peers (oidc-config.ts).
import Provider from 'oidc-provider';
import { serveOidc } from './oidc-config.ts';

export { OIDC_ACCOUNT, OIDC_CLIENT, OIDC_SCOPES } from './oidc-config.ts';

if (import.meta.url === `file://${process.argv[1]}`) serveOidc(Provider);

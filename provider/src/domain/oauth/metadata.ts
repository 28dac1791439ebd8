import { ID_TOKEN_ALG } from './jwks.ts';
import { SUPPORTED_SCOPES } from './scopes.ts';

/**
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OIDC Discovery §3).
 * Built from configuration alone, never from request headers (docs/security.md §9), and never touches the store.
 */
export function serverMetadata(issuer: string) {
  const e = (path: string) => issuer + path;
  return {
    issuer,
    authorization_endpoint: e('/platform/oauth/start'),
    token_endpoint: e('/platform/oauth/token'),
    revocation_endpoint: e('/platform/oauth/revoke'),
    introspection_endpoint: e('/platform/oauth/introspect'),
    userinfo_endpoint: e('/platform/oauth/userinfo'),
    jwks_uri: e('/.well-known/jwks.json'),
    registration_endpoint: e('/platform/oauth/register'),
    scopes_supported: SUPPORTED_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // RFC 9207 §3
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ID_TOKEN_ALG],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // draft-ietf-oauth-client-id-metadata-document: an https client_id names its metadata (docs/mcp.md §7).
    client_id_metadata_document_supported: true,
  };
}

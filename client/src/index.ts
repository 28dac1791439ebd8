/**
 * `instant-kit`: the app builder's kit for "Sign in with Instant".
 *
 * - {@link InstantOAuth}: the OAuth 2 / OpenID Connect client (server side).
 * - {@link PlatformApi}: the Platform API with automatic, shared token refresh.
 * - {@link i}: the schema builder.
 *
 * Hono middleware is in `instant-kit/hono`; the browser popup flow in `instant-kit/browser`.
 *
 * @module
 */
export { InstantOAuth, type InstantOAuthConfig, type AuthorizationRequest, type CallbackChecks, type UserInfo } from './oauth.ts';
export type { TokenSet } from './oauth-core.ts';
export {
  PlatformApi,
  type PlatformApiAuth,
  type PlatformApiConfig,
  type RefreshedTokens,
  type AppDataOpts,
  type InstantAPIAppWith,
  type InstantAPICreateAppBody,
  type InstantAPICreateTemporaryAppBody,
  type InstantAPISchemaPushBody,
  type InstantAPIPlanSchemaPushResponse,
  type InstantAPISchemaPushResponse,
  type InstantAPITokenInfoResponse,
  type InstantAPIOrgDetails,
} from './platform-api.ts';
export {
  apiSchemaToInstantSchemaDef,
  translatePlanSteps,
  type InstantAPIAppDetails,
  type InstantAPIPlatformSchema,
  type InstantAPISchemaPlanStep,
  type InstantAPISchemaPushStep,
  type InstantBackgroundSchemaJob,
  type InProgressStepsSummary,
  type InstantDBAttr,
  type InstantDBIdent,
  type InstantDBCheckedDataType,
  type InstantRules,
} from './platform-types.ts';
export { ProgressPromise, type ProgressObserver } from './progress.ts';
export {
  i,
  schemaToDefs,
  DataAttrDef,
  EntityDef,
  InstantSchemaDef,
  type Defs,
  type SchemaLike,
  type ValueType,
  type AttrConfig,
  type LinkDef,
  type LinkSide,
  type LinksDef,
  type EntityNames,
  type AttrNames,
  type EntityValues,
} from './schema.ts';
export {
  InstantAPIError,
  InstantOAuthError,
  AccessDeniedError,
  StateMismatchError,
  ProviderUnavailableError,
  PlatformApiMissingAuthError,
  type InstantAPIErrorBody,
  type OAuthFailureReason,
} from './errors.ts';

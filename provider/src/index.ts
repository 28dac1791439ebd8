export { createProvider, type Provider, type ProviderDeps } from './app.ts';
export { loadConfig, defaultConfig, type ProviderConfig } from './config.ts';
export type { Clock, Random } from './clock.ts';

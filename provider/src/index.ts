export { createProvider, type Provider, type ProviderDeps } from './app.ts';
export { loadConfig, defaultConfig, type ProviderConfig } from './domain/config.ts';
export type { Clock, Random } from './domain/clock.ts';

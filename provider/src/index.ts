export { createProvider, type Provider, type ProviderDeps } from './app.ts';
export { loadConfig, defaultConfig, type ProviderConfig } from './config.ts';
export { TestClock, type Clock, type Random } from './clock.ts';

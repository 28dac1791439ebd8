#!/usr/bin/env node
// Runs the demo app's TypeScript sources directly (no build step) through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main();

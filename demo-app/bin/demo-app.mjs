#!/usr/bin/env node
// The demo app, from its build (dist/, made by `npm run build` or at `npm ci`): plain Node, nothing compiled here.
import { main } from '../dist/main.js';

await main();

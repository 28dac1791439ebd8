#!/usr/bin/env node
// The instant-kit CLI, from the package's build (dist/): plain Node, nothing compiled here.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

// Vitest global set-up: tests that start the binaries (provider, demo app, instant-kit CLI) run them from dist/,
// so dist/ is brought up to date first (`tsc -b`: about a second when nothing changed). Tests import the sources.
import { build } from './build.mjs';

export default function setup() {
  build({ quiet: true });
}

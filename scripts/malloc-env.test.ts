// The malloc setting `npm start` gives the provider (scripts/malloc-env.mjs) is the one the systemd unit writes out,
// and an operator's own value of it wins (docs/operations.md §9).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MALLOC_ENV, mallocEnv } from './malloc-env.mjs';

const ROOT = join(import.meta.dirname, '..');

describe('the malloc setting of npm start and the systemd unit', () => {
  it('deploy/instant-provider.service sets exactly the MALLOC_ variables npm start sets, to the same values', () => {
    const unit = readFileSync(join(ROOT, 'deploy', 'instant-provider.service'), 'utf8');
    const set = Object.fromEntries([...unit.matchAll(/^Environment=(MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(MALLOC_ENV).length).toBeGreaterThan(0);
    expect(set).toEqual(MALLOC_ENV);
  });

  it("takes the environment's own value of a name over its default, and adds nothing else", () => {
    expect(mallocEnv({})).toEqual(MALLOC_ENV);
    const name = Object.keys(MALLOC_ENV)[0]!;
    expect(mallocEnv({ [name]: '65536', MALLOC_ARENA_MAX: '2', PATH: '/bin' })).toEqual({ ...MALLOC_ENV, [name]: '65536' });
  });
});

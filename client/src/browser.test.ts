import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('instant-kit/browser', () => {
  it('bundles for the browser with no Node-only module in its import graph', async () => {
    const entry = fileURLToPath(new URL('./browser.ts', import.meta.url));
    const result = await build({ entryPoints: [entry], bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('platform-api.ts'))).toBe(true);
    expect(inputs.filter((p) => /^node:|iron-session|hono|\/cli\//.test(p))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((out) => out.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith('node:'))).toEqual([]);
  });
});

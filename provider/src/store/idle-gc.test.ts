import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from './idle-gc.ts';

describe('collectGarbage (store/idle-gc.ts)', () => {
  it('runs a full collection: an object nothing holds is gone after it', async () => {
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ garbage: new Array(1000).fill('x') });
    })();
    await new Promise((r) => setImmediate(r)); // a WeakRef's target is kept until the job that made it ends
    expect(collectGarbage(0)).toBe(true);
    expect(ref!.deref()).toBeUndefined();
  });

  it('leaves no gc global behind, here or in contexts made later', () => {
    collectGarbage(0);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(process.execArgv.includes('--expose-gc') ? 'function' : 'undefined');
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('skips the collection until the heap has grown by the given amount since the last one', () => {
    expect(collectGarbage(0)).toBe(true);
    expect(collectGarbage(1024 * 1024 * 1024)).toBe(false);
    const kept = Array.from({ length: 40 }, () => new Array(64 * 1024).fill(1.5)); // ~20 MB of doubles, held
    expect(collectGarbage(4 * 1024 * 1024)).toBe(true);
    expect(kept.length).toBe(40);
  });
});

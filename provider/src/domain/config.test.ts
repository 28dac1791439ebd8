import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

// Issue 15: config errors echoed the bad secret back (`(got "short")`). docs/security-accounts.md §7.

describe('config errors never repeat a secret', () => {
  it('names a bad SECRET or DATABASE_URL by its length only, and still quotes harmless values', () => {
    const secret = 'short-secret-Zq9';
    const url = 'mysql://admin:hunter2-pw@db.example/x';
    let message = '';
    try {
      loadConfig({ SECRET: secret, DATABASE_URL: url, PORT: 'eighty' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/SECRET: .*a value of 16 characters, not repeated here/);
    expect(message).toMatch(/DATABASE_URL: /);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('hunter2');
    expect(message).toContain('"eighty"');
  });
});

describe('PGLITE_THREAD', () => {
  it('is auto unless set, takes 1/0/true/false, and refuses anything else by name', () => {
    expect(loadConfig({}).pgliteThread).toBe('auto');
    expect(loadConfig({ PGLITE_THREAD: 'auto' }).pgliteThread).toBe('auto');
    expect(loadConfig({ PGLITE_THREAD: '0' }).pgliteThread).toBe(false);
    expect(loadConfig({ PGLITE_THREAD: 'TRUE' }).pgliteThread).toBe(true);
    expect(() => loadConfig({ PGLITE_THREAD: 'sometimes' })).toThrow(/PGLITE_THREAD: must be auto, or 1\/0\/true\/false \(got "sometimes"\)/);
  });
});

describe('PGLITE_SHARED_BUFFERS_MB', () => {
  it('is 8 unless set, takes whole MB from 1 to 1024, and refuses anything else by name', () => {
    expect(loadConfig({}).pgliteSharedBuffersMb).toBe(8);
    expect(loadConfig({ PGLITE_SHARED_BUFFERS_MB: ' 64 ' }).pgliteSharedBuffersMb).toBe(64);
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS_MB: '16MB' })).toThrow(/PGLITE_SHARED_BUFFERS_MB: must be a whole number \(got "16MB"\)/);
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS_MB: '0' })).toThrow(/PGLITE_SHARED_BUFFERS_MB: .*\(got "0"\)/);
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS_MB: '2048' })).toThrow(/PGLITE_SHARED_BUFFERS_MB: .*\(got "2048"\)/);
  });
});

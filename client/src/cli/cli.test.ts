import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from './args.ts';
import { tokenKind } from './auth.ts';
import { configDir, configPath, readConfig, updateProvider } from './config.ts';
import type { CliIO } from './io.ts';
import { main } from './main.ts';
import { tempDir } from '../testing/temp-dir.ts';

function fakeIO(env: Record<string, string> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (l) => void out.push(l),
    stderr: (l) => void err.push(l),
    env,
    cwd: process.cwd(),
    isTTY: false,
    ask: async () => 'n',
    openBrowser: () => {},
  };
}

describe('CLI argument parsing', () => {
  it('parses commands, targets and options', () => {
    const a = parseCommandLine(['push', 'schema', '--app', 'A', '--token', 'T', '--yes', '--json', '--api-uri', 'http://127.0.0.1:9/']);
    expect(a).toMatchObject({ command: 'push', target: 'schema', app: 'A', token: 'T', yes: true, json: true, apiUri: 'http://127.0.0.1:9' });
    expect(parseCommandLine(['push']).target).toBe('all');
    expect(parseCommandLine(['apps', 'list']).command).toBe('apps list');
    expect(parseCommandLine(['init-without-files', '--title', 'My app', '--temp'])).toMatchObject({ command: 'init-without-files', title: 'My app', temp: true });
    expect(parseCommandLine(['--help']).command).toBe('help');
  });

  it('takes the API URI, token and app from the environment, flags first', () => {
    const env = { INSTANT_CLI_API_URI: 'https://instant.example.com', INSTANT_CLI_AUTH_TOKEN: 'per_env', VITE_INSTANT_APP_ID: 'app-env' };
    expect(parseCommandLine(['pull'], env)).toMatchObject({ apiUri: 'https://instant.example.com', token: 'per_env', app: 'app-env' });
    expect(parseCommandLine(['pull', '--api-uri', 'http://localhost:1', '--app', 'x'], env)).toMatchObject({ apiUri: 'http://localhost:1', app: 'x' });
    expect(parseCommandLine(['whoami']).apiUri).toBe('http://localhost:8787');
  });

  it('refuses bad command lines with a usage error', () => {
    expect(() => parseCommandLine(['nope'])).toThrow(UsageError);
    expect(() => parseCommandLine(['push', 'everything'])).toThrow(/schema.*perms/);
    expect(() => parseCommandLine(['apps'])).toThrow(/apps list/);
    expect(() => parseCommandLine(['whoami', '--bogus'])).toThrow(UsageError);
    expect(() => parseCommandLine(['init-without-files'])).toThrow(/Title is required/);
    expect(() => parseCommandLine(['init-without-files', '--title', '--temp'])).toThrow(UsageError);
    expect(() => parseCommandLine(['init-without-files', '--title', 'x', '--temp', '--token', 't'])).toThrow(/either/);
    expect(() => parseCommandLine(['whoami', '--api-uri', 'ftp://x'])).toThrow(/api-uri/);
  });

  it('prints its version with --version, -v or version (plain or --json), that of its package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const argv of [['--version'], ['-v'], ['version']]) {
      const io = fakeIO();
      expect(await main(argv, io)).toBe(0);
      expect(io.out).toEqual([version]);
      expect(io.err).toEqual([]);
    }
    const io = fakeIO();
    expect(await main(['--version', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out[0]!)).toEqual({ version });
  });

  it('tells token kinds apart by shape', () => {
    expect(tokenKind('per_' + 'a'.repeat(64))).toBe('personal');
    expect(tokenKind('pat_' + '0'.repeat(64))).toBe('access');
    expect(tokenKind('6f1c1a52-3b1e-4c8e-9a7a-1d2e3f4a5b6c')).toBe('admin');
    expect(tokenKind('prt_' + '0'.repeat(64))).toBe('unknown');
  });

  it('exits non-zero with a one-line reason on failure, and prints JSON errors with --json', async () => {
    const io = fakeIO();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.err[0]).toBe('instant-kit: Unknown command: frobnicate');
    const io2 = fakeIO({ XDG_CONFIG_HOME: tempDir('ik-') });
    expect(await main(['apps', 'list', '--json', '--api-uri', 'http://127.0.0.1:9'], io2)).toBe(1);
    expect(io2.err).toEqual(['instant-kit: Not logged in to http://127.0.0.1:9: run "instant-kit login" or pass --token']);
    expect(JSON.parse(io2.out[0]!)).toEqual({ error: 'Not logged in to http://127.0.0.1:9: run "instant-kit login" or pass --token' });
  });
});

describe('CLI config file', () => {
  it('lives in XDG_CONFIG_HOME/instant-kit, else ~/.config/instant-kit', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u' })).toBe('/x/cfg/instant-kit');
    expect(configDir({ HOME: '/home/u' })).toBe('/home/u/.config/instant-kit');
    expect(configDir({ XDG_CONFIG_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.config/instant-kit');
  });

  it('is written with mode 0600 in a 0700 directory and read back', () => {
    const env = { XDG_CONFIG_HOME: tempDir('ik-') };
    updateProvider(env, 'http://localhost:8787', (e) => ({ ...e, clientId: 'c1', tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scopes: [] } }));
    expect(statSync(configPath(env)).mode & 0o777).toBe(0o600);
    expect(statSync(configDir(env)).mode & 0o777).toBe(0o700);
    expect(readConfig(env).providers['http://localhost:8787']?.clientId).toBe('c1');
    expect(JSON.parse(readFileSync(configPath(env), 'utf8')).version).toBe(1);
  });
});

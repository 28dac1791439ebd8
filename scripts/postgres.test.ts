import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/postgres.sh: each `start` is a server of its own, and `stop` ends only the one it is given.
const script = join(import.meta.dirname, 'postgres.sh');
const run = (...args: string[]) => execFileSync('bash', [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const haveServer = (() => {
  try {
    return execFileSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb'], { stdio: 'pipe' }).length > 0;
  } catch {
    return false;
  }
})();

async function query(url: string, sql: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!haveServer)('scripts/postgres.sh', () => {
  const states = mkdtempSync(join(tmpdir(), 'pg-script-test-'));
  afterAll(() => {
    // Whatever a failed assertion left running (a state file whose server was already stopped is refused).
    for (const s of ['a', 'b']) {
      if (existsSync(join(states, s))) execFileSync('bash', ['-c', `bash "$0" stop "$1" || true`, script, join(states, s)], { stdio: 'ignore' });
    }
    rmSync(states, { recursive: true, force: true });
  });

  it('refuses a state file it cannot write before it makes a server, so none is left running for nobody to stop', () => {
    // A TMPDIR of its own, where start would make the server's directory: the other unit pass, run beside this one by
    // npm test, starts servers of its own in /tmp meanwhile.
    const tmp = mkdtempSync(join(tmpdir(), 'pg-script-tmp-'));
    let status: number | null = null;
    let stderr = '';
    try {
      execFileSync('bash', [script, 'start', states], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } }); // a directory, not a file
    } catch (err) {
      ({ status, stderr } = err as { status: number; stderr: string });
    }
    try {
      expect(status).toBe(2);
      expect(stderr).toContain('cannot write the state file');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      // A server the script made there despite the refusal: stopped by its directory (what stop accepts).
      for (const d of readdirSync(tmp)) execFileSync('bash', ['-c', `bash "$0" stop "$1" || true`, script, join(tmp, d)], { stdio: 'ignore' });
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('starts two servers side by side; stopping one leaves the other and its data alone', async () => {
    const a = run('start', join(states, 'a'));
    const b = run('start', join(states, 'b'));
    expect(a).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(b).not.toBe(a);
    const dirA = readFileSync(join(states, 'a'), 'utf8').trim();
    const dirB = readFileSync(join(states, 'b'), 'utf8').trim();
    expect(dirB).not.toBe(dirA);
    await query(a, 'create table kept (x int); insert into kept values (42)');

    run('stop', join(states, 'b'));
    expect(existsSync(dirB)).toBe(false);
    expect(existsSync(join(states, 'b'))).toBe(false);
    await expect(query(b, 'select 1')).rejects.toThrow();
    // A new start is another server: it neither reuses nor wipes A's directory.
    const c = run('start', join(states, 'b'));
    expect(c).not.toBe(a);
    expect(await query(a, 'select x from kept')).toEqual([{ x: 42 }]);

    run('stop', dirA);
    expect(existsSync(dirA)).toBe(false);
    await expect(query(a, 'select 1')).rejects.toThrow();
  }, 120_000);

  it('refuses to stop a directory it did not make', () => {
    const other = mkdtempSync(join(tmpdir(), 'not-ours-'));
    try {
      expect(() => run('stop', other)).toThrow(/was not made by scripts\/postgres.sh start/);
      expect(existsSync(other)).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

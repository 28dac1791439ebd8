import { spawn } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../reliability/processes.ts';

/** Test support: Instant's own published CLI (`instant-cli` 1.0.67, unchanged) as a child process (docs/instant-compat.md §7). */
export const CLI_BIN = join(ROOT, 'node_modules', 'instant-cli', 'bin', 'index.js');
// Colours and cursor movements (CSI), and terminal links (OSC 8, which `init` prints).
const ANSI = new RegExp(String.raw`\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007`, 'g');

export interface Run {
  code: number | null;
  out: string;
}

export interface CliOptions {
  /** The provider's URL: INSTANT_CLI_API_URI and INSTANT_CLI_DASH_URI. */
  url: string;
  home: string;
  cwd: string;
  env?: Record<string, string>;
  onOutput?: (all: string) => void;
}

/** The CLI's environment: the test's own without any INSTANT_* variable, a private HOME, no colours. */
export function cliEnv(opts: CliOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INSTANT_')) env[k] = v;
  Object.assign(env, {
    HOME: opts.home,
    XDG_CONFIG_HOME: join(opts.home, '.config'),
    INSTANT_CLI_API_URI: opts.url,
    INSTANT_CLI_DASH_URI: opts.url,
    FORCE_COLOR: '0',
    CI: '1',
    ...opts.env,
  });
  return env;
}

/** Output as a user reads it: without colours or cursor movements. */
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

/** Runs the CLI with a clean INSTANT_* environment and a private HOME; output without colours. */
export function runCli(args: string[], opts: CliOptions): Promise<Run> {
  const env = cliEnv(opts);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instant-cli ${args.join(' ')} timed out:\n${out}`));
    }, 150_000);
    const take = (b: Buffer) => {
      out += b.toString('utf8');
      opts.onOutput?.(out.replace(ANSI, ''));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(ANSI, '') });
    });
  });
}

/** A project directory the CLI can load instant.*.ts files in (it imports @instantdb/core: the one installed here). */
export async function makeProject(work: string, dir: string): Promise<string> {
  const path = join(work, dir);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'package.json'), JSON.stringify({ name: dir, version: '1.0.0', private: true, dependencies: { '@instantdb/core': '1.0.67' } }));
  await symlink(join(ROOT, 'node_modules'), join(path, 'node_modules'), 'dir');
  return path;
}

/**
 * Entry point of the `instant-kit` CLI: parses the command line, runs one command, and turns
 * every failure into a one-line reason on stderr and a non-zero exit code (1; 2 for usage).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { InstantAPIError, InstantOAuthError } from '../errors.ts';
import { parseCommandLine, USAGE, UsageError, type ParsedArgs } from './args.ts';
import { appsList, claim, initWithoutFiles, pull, push, whoami } from './commands.ts';
import { processIO, type CliIO } from './io.ts';
import { login, logout } from './login.ts';
import { mcp } from './mcp.ts';

/** The installed package's version (package.json is two levels up from src/cli/ and from dist/cli/ alike). */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const COMMANDS: Record<Exclude<ParsedArgs['command'], 'help' | 'version'>, (args: ParsedArgs, io: CliIO) => Promise<void>> = {
  'init-without-files': initWithoutFiles,
  push,
  pull,
  login,
  logout,
  claim,
  'apps list': appsList,
  whoami,
  mcp,
};

/** A one-line reason for any error. */
export function reasonOf(e: unknown): string {
  if (e instanceof InstantAPIError) {
    if (e.status === 0) return e.message;
    return `${e.message} (HTTP ${e.status}${e.type ? ` ${e.type}` : ''})`;
  }
  if (e instanceof InstantOAuthError) {
    if (e.reason === 'invalid_grant') return `Your login has expired or was revoked (${e.errorDescription ?? e.error}): run "instant-kit login"`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(argv, io.env);
  } catch (e) {
    io.stderr(`instant-kit: ${reasonOf(e)}`);
    io.stderr('Run "instant-kit --help" for usage.');
    return e instanceof UsageError ? 2 : 1;
  }
  if (args.command === 'help') {
    io.stdout(args.json ? JSON.stringify({ usage: USAGE }) : USAGE);
    return 0;
  }
  if (args.command === 'version') {
    io.stdout(args.json ? JSON.stringify({ version: VERSION }) : VERSION);
    return 0;
  }
  try {
    await COMMANDS[args.command](args, io);
    return 0;
  } catch (e) {
    const reason = reasonOf(e).split('\n')[0]!;
    io.stderr(`instant-kit: ${reason}`);
    if (args.json) io.stdout(JSON.stringify(args.command === 'init-without-files' ? { app: null, error: reason } : { error: reason }));
    return 1;
  }
}

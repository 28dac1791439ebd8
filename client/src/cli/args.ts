/**
 * Command-line parsing for `instant-kit` (node:util `parseArgs`, no dependencies).
 *
 * @module
 */
import { parseArgs } from 'node:util';

/** Commands the CLI knows. */
export type CommandName = 'init-without-files' | 'push' | 'pull' | 'login' | 'logout' | 'claim' | 'apps list' | 'whoami' | 'mcp' | 'help' | 'version';

/** Parsed command line. */
export interface ParsedArgs {
  command: CommandName;
  /** `push schema` / `push perms` / `push` (both). */
  target: 'schema' | 'perms' | 'all';
  apiUri: string;
  json: boolean;
  yes: boolean;
  token?: string | undefined;
  app?: string | undefined;
  title?: string | undefined;
  temp: boolean;
  adminToken?: string | undefined;
  /** `login --no-browser`: print the URL instead of opening a browser. */
  noBrowser: boolean;
  /** `login --print`: print the access token instead of saving it. */
  print: boolean;
  cwd?: string | undefined;
}

/** A command-line mistake (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The default provider URL (overridden by `--api-uri` or `INSTANT_CLI_API_URI`). */
export const DEFAULT_API_URI = 'http://localhost:8787';

/** Usage text. */
export const USAGE = `Usage: instant-kit <command> [options]

Commands:
  login                      Sign in through the browser (PKCE, loopback redirect)
  logout                     Revoke and forget the saved tokens
  whoami                     Show the signed-in user
  apps list                  List your apps
  init-without-files --title T (--temp | --token TOKEN)
                             Create an app; prints {"app":{"appId","adminToken"},"error":null}
  push [schema|perms]        Push instant.schema.ts and/or instant.perms.ts (shows the plan first)
  pull                       Write instant.schema.ts and instant.perms.ts from the app
  claim                      Move a temporary app (--app, --admin-token) to your account
  mcp --token TOKEN          Serve the Instant Platform MCP tools on stdio (per_ or app admin token)

Options:
  --api-uri URL              Provider URL (env INSTANT_CLI_API_URI, default ${DEFAULT_API_URI})
  --token TOKEN              per_, pat_ or app admin token (env INSTANT_CLI_AUTH_TOKEN)
  --app ID                   App id (env INSTANT_APP_ID)
  --admin-token TOKEN        App admin token for claim (env INSTANT_APP_ADMIN_TOKEN)
  --yes, -y                  Do not ask for confirmation
  --json                     Machine-readable output on stdout
  --no-browser               login: print the URL instead of opening a browser
  --print                    login: print the access token instead of saving it
  --cwd DIR                  Where instant.schema.ts / instant.perms.ts live
  --help, -h                 Show this help
  --version, -v              Show the instant-kit version`;

const APP_ENV = ['INSTANT_APP_ID', 'NEXT_PUBLIC_INSTANT_APP_ID', 'PUBLIC_INSTANT_APP_ID', 'VITE_INSTANT_APP_ID', 'EXPO_PUBLIC_INSTANT_APP_ID'];

/** Parses `argv` (without `node` and the script) and the environment into {@link ParsedArgs}. */
export function parseCommandLine(argv: string[], env: Record<string, string | undefined> = {}): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'api-uri': { type: 'string' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        token: { type: 'string' },
        app: { type: 'string' },
        title: { type: 'string' },
        temp: { type: 'boolean', default: false },
        'admin-token': { type: 'string' },
        'no-browser': { type: 'boolean', default: false },
        print: { type: 'boolean', default: false },
        cwd: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  const { values: v, positionals: pos } = parsed;
  const [first, second, ...rest] = pos;
  let command: CommandName;
  let target: ParsedArgs['target'] = 'all';
  if (v.help || (!first && !v.version) || first === 'help') command = 'help';
  else if (v.version || first === 'version') command = 'version';
  else if (first === 'apps') {
    if (second !== 'list' && second !== 'ls') throw new UsageError(`Unknown command: apps ${second ?? ''}`.trim() + ' (did you mean "apps list"?)');
    command = 'apps list';
  } else if (first && ['init-without-files', 'push', 'pull', 'login', 'logout', 'claim', 'whoami', 'mcp'].includes(first)) command = first as CommandName;
  else throw new UsageError(`Unknown command: ${first}`);
  if (command === 'push' && second) {
    if (second !== 'schema' && second !== 'perms') throw new UsageError(`push takes "schema" or "perms", not "${second}"`);
    target = second;
  } else if (command !== 'apps list' && command !== 'help' && command !== 'version' && second) throw new UsageError(`Unexpected argument: ${second}`);
  if (rest.length) throw new UsageError(`Unexpected argument: ${rest[0]}`);

  if (command === 'init-without-files') {
    if (!v.title) throw new UsageError('Title is required for creating a new app without local files (--title).');
    if (v.title.startsWith('-')) throw new UsageError(`Invalid title: "${v.title}". Title cannot be a flag.`);
    if (v.temp && v.token) throw new UsageError('Use either --temp or --token, not both.');
  }
  const apiUri = (v['api-uri'] ?? env.INSTANT_CLI_API_URI ?? DEFAULT_API_URI).replace(/\/+$/, '');
  try {
    const u = new URL(apiUri);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`Invalid --api-uri: ${apiUri}`);
  }
  return {
    command,
    target,
    apiUri,
    json: v.json,
    yes: v.yes,
    token: v.token ?? env.INSTANT_CLI_AUTH_TOKEN,
    app: v.app ?? APP_ENV.map((k) => env[k]).find(Boolean),
    title: v.title,
    temp: v.temp,
    adminToken: v['admin-token'] ?? env.INSTANT_APP_ADMIN_TOKEN,
    noBrowser: v['no-browser'],
    print: v.print,
    cwd: v.cwd,
  };
}

import { readFileSync } from 'node:fs';
// The web modules (app.ts) and the operator commands load only when needed: the server begins opening its store
// first (server-start.ts), so PGlite starts on its thread while they load.
import { startServer } from './server-start.ts';

/** The installed package's version (package.json is one level up from src/ and from dist/ alike). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const usage = (adminUsage: string) => `Usage: instant-provider [--seed-demo]
       instant-provider operator add|remove EMAIL
       instant-provider users reset-password EMAIL
       instant-provider audit [--since 1h] [--json] [--user …] [--client …] [--event …]
       instant-provider keys list|rotate
       instant-provider secret reseal

Runs the "Sign in with Instant" provider. Settings come from the environment
(PORT, HOST, PUBLIC_URL, DATABASE_URL, SECRET, …; see the README).

  --seed-demo   create the demo account and demo OAuth client when missing
  --help        show this help
  --version     print the version

Operator commands:
${adminUsage}`;

export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage((await import('./cli/commands.ts')).ADMIN_USAGE));
    return;
  }
  if (args.includes('--version') || args.includes('-v')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (args[0] === 'operator' || args[0] === 'users' || args[0] === 'audit' || args[0] === 'keys' || args[0] === 'secret') {
    const { runAdminCommand } = await import('./cli/commands.ts');
    process.exitCode = await runAdminCommand(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    return;
  }
  const unknown = args.filter((a) => a !== '--seed-demo');
  if (unknown.length) {
    process.stderr.write(`instant-provider: unknown argument ${unknown[0]}\n\n${usage((await import('./cli/commands.ts')).ADMIN_USAGE)}`);
    process.exit(2);
  }
  const start = startServer();
  const { runServer } = await import('./app.ts');
  await runServer({ seedDemo: args.includes('--seed-demo'), start });
}

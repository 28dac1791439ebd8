import { runServer } from './main.ts';

const USAGE = `Usage: instant-provider [--seed-demo]

Runs the "Sign in with Instant" provider. Settings come from the environment
(PORT, HOST, PUBLIC_URL, DATABASE_URL, SECRET, …; see the README).

  --seed-demo   create the demo account and demo OAuth client when missing
  --help        show this help
`;

export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--seed-demo');
  if (unknown.length) {
    process.stderr.write(`instant-provider: unknown argument ${unknown[0]}\n\n${USAGE}`);
    process.exit(2);
  }
  await runServer({ seedDemo: args.includes('--seed-demo') });
}

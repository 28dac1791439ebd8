/**
 * The CLI's view of the outside world, injectable so commands run in tests without a terminal.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';

/** Streams, environment and helpers a command uses. */
export interface CliIO {
  /** Writes one line to stdout (results). */
  stdout(line: string): void;
  /** Writes one line to stderr (messages, progress, errors). */
  stderr(line: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether stdin is a terminal (confirmation questions need one). */
  isTTY: boolean;
  /** Asks a question on stderr and reads one line from stdin. */
  ask(question: string): Promise<string>;
  /** Opens a URL in the user's browser (best effort). */
  openBrowser(url: string): void;
  /** A `fetch` for provider calls (tests pass the provider's in-process fetch). */
  fetch?: typeof fetch | undefined;
}

/** The real terminal. */
export function processIO(): CliIO {
  return {
    stdout: (line) => void process.stdout.write(line + '\n'),
    stderr: (line) => void process.stderr.write(line + '\n'),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdin.isTTY),
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    openBrowser(url) {
      const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      try {
        const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
        child.on('error', () => {});
        child.unref();
      } catch {
        // the URL is printed anyway
      }
    },
  };
}

/** Asks for a yes/no confirmation; `--yes` answers yes; without a terminal it refuses. */
export async function confirm(io: CliIO, yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  if (!io.isTTY) throw new Error(`${question.replace(/\?$/, '')}: no terminal to confirm on; pass --yes`);
  const answer = (await io.ask(`${question} [y/N] `)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

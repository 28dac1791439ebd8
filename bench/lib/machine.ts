// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { ROOT } from './servers.ts';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
  load_avg_1m_at_start: number;
  git_commit: string | null;
}

export function machineInfo(): MachineInfo {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    commit = null;
  }
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    load_avg_1m_at_start: Math.round(os.loadavg()[0]! * 100) / 100,
    git_commit: commit,
  };
}

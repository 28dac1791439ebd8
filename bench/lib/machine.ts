// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * CPU time the whole machine has spent so far (Linux /proc/stat, ms summed over every core): `busy` is user, nice,
 * system, irq and softirq (every process: the server, its database, the load generator, anything else), `total`
 * adds idle and iowait. Time stolen by the hypervisor counts in neither. Undefined elsewhere.
 */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = f;
    const busy = user + nice + system + irq + softirq;
    return { busy: busy * 10, total: (busy + idle + iowait) * 10 };
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far (Linux /proc, ms): its main thread, and all its threads. Undefined elsewhere. */
export function processCpuMs(pid: number): { main: number; all: number } | undefined {
  // utime and stime, fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux); fields after the name, which
  // is in parentheses and may hold spaces.
  const ticks = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  try {
    let all = 0;
    let main = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let t: number;
      try {
        t = ticks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      } catch {
        continue; // a thread that ended meanwhile
      }
      all += t;
      if (Number(tid) === pid) main = t;
    }
    return { main: main * 10, all: all * 10 };
  } catch {
    return undefined;
  }
}

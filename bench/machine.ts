// What the figures were measured on.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  memory_gb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the bench started (the machine may be shared). */
  load1: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: fall through.
  }
  return 'unknown';
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpuModel(),
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load1: Math.round(loadavg()[0] * 100) / 100,
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunningServer {
  url: string;
  pid: number;
  /** Highest RSS seen since start (sampled from /proc every 100 ms), in MB. */
  peakRssMb(): number;
  resetPeak(): void;
  /** CPU time the process has used so far (user + system), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

function cpuMs(pid: number): number {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name) are utime and stime.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Starts a Node process that prints nothing we need, and waits until `readyPath` answers 200. */
export async function startProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath = '/healthz',
): Promise<RunningServer> {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      const res = await fetch(url + readyPath);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${script} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let peak = rssMb(child.pid!);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(child.pid!));
  }, 100);
  return {
    url,
    pid: child.pid!,
    peakRssMb: () => peak,
    cpuMs: () => cpuMs(child.pid!),
    resetPeak: () => {
      peak = rssMb(child.pid!);
    },
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function startApi(
  root: string,
  databaseUrl: string,
  platformToken: string,
  port = 3900,
  extra: Record<string, string> = {},
) {
  return startProcess(
    join(root, 'packages/api/dist/server.js'),
    [],
    {
      DATABASE_URL: databaseUrl,
      PLATFORM_TOKEN: platformToken,
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '100000000',
      DATABASE_POOL_MAX: '20',
      ...extra,
    },
    port,
    '/readyz',
  );
}

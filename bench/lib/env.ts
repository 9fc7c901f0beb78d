import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The server the benchmarks create their databases on (trust auth, a superuser). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PLATFORM_TOKEN = 'plat_bench_0123456789abcdefghijklmnopq';
/** Short runs for a smoke test (BENCH_QUICK=1), real ones otherwise. */
export const QUICK = process.env.BENCH_QUICK === '1';
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? (QUICK ? 3 : 10));

function version(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

export function machine() {
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres: version(`psql "${ADMIN_URL}" -Atc "show server_version"`),
    date: new Date().toISOString(),
  };
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine, ROOT } from './env';

export interface Figure {
  scenario: string;
  figure: string;
  value: string;
  reference: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}

export function fmt(n: number, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Prints the table and writes it with the machine facts to bench/results/latest.md. */
export function writeReport(figures: Figure[], notes: string[] = []) {
  const m = machine();
  const header =
    '| scenario | figure | value | reference | ratio | target | ok |\n| --- | --- | --- | --- | --- | --- | --- |';
  const rows = figures.map(
    (f) =>
      `| ${f.scenario} | ${f.figure} | ${f.value} | ${f.reference} | ${f.ratio} | ${f.target} | ${f.pass === null ? '' : f.pass ? 'yes' : '**no**'} |`,
  );
  const table = [header, ...rows].join('\n');
  const md = [
    '# Benchmark results',
    '',
    `${m.date} · ${m.cpu} · ${m.memory} · Node ${m.node} · PostgreSQL ${m.postgres}`,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.md'), md);
  console.log(`\n${table}\n`);
  for (const n of notes) console.log(`- ${n}`);
  console.log('\nwritten to bench/results/latest.md');
}

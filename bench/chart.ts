// `node --import tsx bench/chart.ts [results.json] [out.svg]`: one bar group per scenario of ours and store — ours,
// the peer it is compared with, and its ceiling (the in-process statements for the refresh, Hono hello-world for
// the rest) — from results.json, as an SVG for bench/RESULTS.md. Bars are on a log scale: the figures span
// 50 to 20,000 a second.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/servers.ts';

interface Row {
  name: string;
  store: string;
  rps: number;
  p99_ms: number;
  errors: number;
  baseline: { name: string; rps: number } | null;
}

const input = process.argv[2] ?? join(ROOT, 'bench', 'results.json');
const output = process.argv[3] ?? join(ROOT, 'bench', 'results.svg');
const results = JSON.parse(readFileSync(input, 'utf8')) as { machine: { date: string; load_avg_1m_at_start: number; git_commit: string }; scenarios: Row[] };
const rows = results.scenarios;
const hello = rows.find((r) => r.name === 'hono-hello');
// The steady-refresh rows are left out: their rate is the offered 100 a second; what they measure (all 200, the
// p99) is in the table.
const ours = rows.filter((r) => !r.name.startsWith('oidc-provider') && !r.name.startsWith('ceiling') && !r.name.startsWith('steady-refresh') && r.name !== 'hono-hello');

interface Bar {
  label: string;
  rps: number;
  kind: 'ours' | 'peer' | 'ceiling';
}
const groups = ours.map((r) => {
  const bars: Bar[] = [{ label: `ours (${r.store})`, rps: r.rps, kind: 'ours' }];
  if (r.baseline && !r.baseline.name.startsWith('hono')) bars.push({ label: r.baseline.name, rps: r.baseline.rps, kind: 'peer' });
  const peerOf = r.name === 'sign-in-flow' ? 'sign-in-flow' : r.name.startsWith('refresh-grant') ? 'refresh-grant' : null;
  const redis = peerOf ? rows.find((x) => x.name.includes('Redis') && x.name.endsWith(peerOf)) : undefined;
  if (redis) bars.push({ label: redis.name, rps: redis.rps, kind: 'peer' });
  const ceiling = r.name === 'refresh-grant' ? rows.find((x) => x.name.startsWith('ceiling') && x.store === r.store) : undefined;
  if (ceiling) bars.push({ label: `${ceiling.name} (${ceiling.store})`, rps: ceiling.rps, kind: 'ceiling' });
  else if (hello) bars.push({ label: 'hono-hello (HTTP ceiling)', rps: hello.rps, kind: 'ceiling' });
  return { title: `${r.name} — ${r.store}${r.name === 'sign-in-flow' ? ' (flows/s)' : ''}`, bars };
});

const W = 900;
const LABEL = 330;
const BAR = 16;
const GAP = 4;
const max = Math.max(10, ...groups.flatMap((g) => g.bars.map((b) => b.rps)));
const x = (v: number) => (Math.log10(Math.max(1, v)) / Math.log10(max * 1.2)) * (W - LABEL - 90);
const colour = { ours: '#2563eb', peer: '#9ca3af', ceiling: '#f59e0b' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
let y = 50;
const parts: string[] = [];
for (const g of groups) {
  parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${esc(g.title)}</text>`);
  y += 20;
  for (const b of g.bars) {
    parts.push(`<text x="16" y="${y + 12}">${esc(b.label)}</text>`);
    parts.push(`<rect x="${LABEL}" y="${y}" width="${x(b.rps).toFixed(1)}" height="${BAR}" fill="${colour[b.kind]}"/>`);
    parts.push(`<text x="${(LABEL + x(b.rps) + 6).toFixed(1)}" y="${y + 12}">${Math.round(b.rps).toLocaleString('en')}/s</text>`);
    y += BAR + GAP;
  }
  y += 12;
}
const m = results.machine;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="20" font-size="14" font-weight="bold">Requests (or flows) a second, log scale — one run, ${esc(m.date.slice(0, 16))} UTC, ${esc(m.git_commit)}, load ${m.load_avg_1m_at_start} at start</text>
<text x="8" y="38" fill="#555">blue: ours · grey: oidc-provider peers · amber: ceiling (in-process statements, or Hono hello-world)</text>
${parts.join('\n')}
</svg>
`;
writeFileSync(output, svg);
process.stderr.write(`wrote ${output} (${groups.length} scenarios)\n`);

/**
 * The top self-time functions of a V8 `.cpuprofile` (written by `node --cpu-prof`, e.g. by
 * `npm run bench -- --profile DIR`), and the same grouped by package.
 *
 *   npx tsx scripts/cpuprofile-top.ts DIR/CPU.….cpuprofile [--top 30] [--window 12:22] [--timeline]
 *
 * `--window A:B` counts only the samples taken from A to B seconds after the profile began (a
 * bench's load, without its setup); `--timeline` prints each second's share of samples that were
 * not idle, to find that window.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, window: { type: 'string' }, timeline: { type: 'boolean', default: false } },
});
const top = Number(values.top);
const [from, to] = values.window ? values.window.split(':').map((x) => Number(x) * 1e6) : [-Infinity, Infinity];

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busy: number[] = [];
  const all: number[] = [];
  for (let i = 0, at = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    const second = Math.floor(at / 1e6);
    all[second] = (all[second] ?? 0) + dt;
    if (!idle.has(p.samples[i])) busy[second] = (busy[second] ?? 0) + dt;
    if (at >= from && at < to) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  if (values.timeline) console.log(`busy per second: ${all.map((t, s) => `${s}:${Math.round((100 * (busy[s] ?? 0)) / t)}%`).join(' ')}`);
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const where = (n: Node) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const short = url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : url.replace(/^.*\/(src|scripts|test)\//, '$1/');
    return `${short}:${n.callFrame.lineNumber + 1}`;
  };
  const pkg = (n: Node) => {
    const url = n.callFrame.url;
    if (!url) return `(${n.callFrame.functionName || 'native'})`;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1];
    if (url.startsWith('node:')) return 'node:internal';
    const s = /\/(src\/[^/]+)\//.exec(url);
    return s ? s[1] : url;
  };

  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}`;
    fns.set(key, (fns.get(key) ?? 0) + t);
    pkgs.set(pkg(n), (pkgs.get(pkg(n)) ?? 0) + t);
  }
  // Inclusive time of the project's own functions (synchronous stacks only: an await ends one).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!/\/(src|scripts)\//.test(n.callFrame.url) || n.callFrame.url.includes('node_modules')) continue;
      const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  console.log('\nself time by package');
  for (const [k, t] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(t)}  ${k}`);
  console.log(`\ntop ${top} functions by self time`);
  for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
  console.log(`\ntop ${top} project functions by inclusive time`);
  for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
}

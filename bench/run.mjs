// Side-by-side benchmark of lazyoci (push, pull, copy, many artifacts, huge tag lists) against
// skopeo and curl on fresh local registries. Run with `npm run bench`; writes bench/RESULTS.md.
// Env: BENCH_ONLY=push,pull,copy,many,tags (default all), BENCH_ROUNDS (5), BENCH_MIB (200),
// BENCH_BIG_MIB (2048), BENCH_BIG_ROUNDS (1), BENCH_MANY (200), BENCH_TAGS (10000),
// BENCH_OUT (default bench/RESULTS.md; a partial run with BENCH_ONLY should write elsewhere).
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ROOT, num, fmt, tempDir, inputFiles, lazyEnvIn, cleanupSync, stopAllRegistries } from './lib.mjs';
import { benchPush } from './push.mjs';
import { benchPullCopy } from './pull.mjs';
import { benchMany } from './many.mjs';
import { benchTags } from './tags.mjs';

const ALL = ['push', 'pull', 'copy', 'many', 'tags'];

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanupSync(); process.exit(130); });

async function main() {
  const started = Date.now();
  const sections = new Set((process.env.BENCH_ONLY ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
  for (const s of sections) if (!ALL.includes(s)) throw new Error(`BENCH_ONLY: unknown section ${s} (known: ${ALL.join(', ')})`);
  const out = process.env.BENCH_OUT ?? path.join(ROOT, 'bench', 'RESULTS.md');
  const ctx = {
    rounds: num('BENCH_ROUNDS', 5),
    mib: num('BENCH_MIB', 200),
    sections,
    notes: [],
    lazyEnv: await lazyEnvIn('main'),
    work: await tempDir('work'),
    log: (line) => console.error(`[${fmt((Date.now() - started) / 1000, 0)} s] ${line}`),
  };
  const parts = [];
  const timings = [];
  const section = async (name, fn) => {
    const t0 = Date.now();
    ctx.log(`${name}: start`);
    parts.push(await fn());
    timings.push(`${name} ${fmt((Date.now() - t0) / 1000, 0)} s`);
  };
  if (sections.has('push') || sections.has('pull') || sections.has('copy')) ctx.input = await inputFiles(ctx.work, ctx.mib);
  if (sections.has('push')) await section('push', () => benchPush(ctx));
  if (sections.has('pull') || sections.has('copy')) await section('pull/copy', () => benchPullCopy(ctx));
  if (sections.has('many')) await section('many', () => benchMany(ctx));
  if (sections.has('tags')) await section('tags', () => benchTags(ctx));

  const sh = (c, a) => { try { return execFileSync(c, a, { encoding: 'utf8' }).trim(); } catch { return 'n/a'; } };
  const total = (Date.now() - started) / 1000;
  const md = [];
  md.push('# lazyoci benchmark', '');
  md.push(`Produced by \`npm run bench\` (bench/run.mjs) on ${new Date().toISOString()}; sections: ${[...sections].join(', ')}; total run time ${fmt(total, 0)} s (${timings.join(', ')}). Figures as measured, not edited.`, '');
  md.push('## Machine', '', '```');
  md.push(`nproc: ${sh('nproc', [])}`, `kernel: ${sh('uname', ['-r'])}`, `load average at the end: ${sh('cat', ['/proc/loadavg'])}`, sh('free', ['-h']));
  md.push(`node: ${process.version}`, `skopeo: ${sh('skopeo', ['--version'])}`, `registry: ${sh('docker-registry', ['--version'])}`, `curl: ${sh('curl', ['--version']).split('\n')[0]}`);
  md.push('```', '');
  md.push('## Method', '');
  md.push(`- rounds: ${ctx.rounds} (BENCH_ROUNDS)${ctx.rounds !== 5 ? ' — fewer than the default 5' : ''}; medians of per-round figures and ratios`);
  md.push('- registries: `docker-registry serve` (distribution), plain HTTP on 127.0.0.1, a free port and a new storage directory each; temp dirs removed after use and on failure');
  md.push('- wall/CPU/RSS from `/usr/bin/time -f "%e %U %S %M"` (wall 10 ms resolution); CPU = user + sys of the measured process and its waited-for children. In the pseudo-terminal (`script`), time runs inside it, around node, so the figures are lazyoci\'s own, live view included');
  for (const n of ctx.notes) md.push(`- NOTE: ${n}`);
  md.push('');
  md.push('## Targets', '', '| target | limit | measured | result |', '|---|---|---|---|');
  for (const p of parts) for (const [n, l, m, ok] of p.targets) md.push(`| ${n} | ${l} | ${m} | ${ok ? 'MET' : 'NOT MET'} |`);
  md.push('');
  for (const p of parts) md.push(...p.md.map((l) => l.replace(/^(#+) /, '#$1 ')), '');
  const extra = path.join(ROOT, 'bench', 'NOTES.md');
  try { md.push((await fsp.readFile(extra, 'utf8')).trim(), ''); } catch { /* no notes */ }
  const text = md.join('\n');
  await fsp.writeFile(out, text);
  console.log(text);
  console.error(`wrote ${out}; total run time ${fmt(total, 0)} s`);
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exitCode = 1;
} finally {
  await stopAllRegistries();
  cleanupSync();
}

// Many artifacts: a .lazy with N small `artifact` entries, 2 targets each on one registry.
// First push and unchanged re-push: wall, CPU and registry requests per artifact-target
// (from the registry's access log); N and N/2 alternate to show how time grows with N.
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  CLI, ARTIFACT_TYPE, num, fmt, median, tempDir, rmTemp, startRegistry, stopRegistry, timed,
  accessLogRequests, accessLogSize, byMethod,
} from './lib.mjs';

function manyLazyFile(host, n) {
  const lines = ['version: 1', 'artifacts:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      '  - type: artifact',
      `    name: a${i}`,
      `    mediaType: ${ARTIFACT_TYPE}`,
      '    files:',
      `      - path: files/a${i}.json`,
      '        mediaType: application/json',
      '    targets:',
      `      - registry: "${host}/many/a${i}"`,
      '        tags: [v1]',
      `      - registry: "${host}/many/b${i}"`,
      '        tags: [v1]',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function project(n) {
  const dir = await tempDir(`many${n}`);
  await fsp.mkdir(path.join(dir, 'files'));
  for (let i = 0; i < n; i++) await fsp.writeFile(path.join(dir, 'files', `a${i}.json`), JSON.stringify({ artifact: i, pad: 'x'.repeat(200) }));
  return dir;
}

/** One first push and one unchanged re-push of N artifacts to a fresh registry. */
async function oneRun(n, dir, lazyEnv) {
  const reg = await startRegistry(`many${n}`);
  const env = { ...lazyEnv, XDG_CACHE_HOME: await tempDir(`many-cache${n}`) };
  try {
    await fsp.writeFile(path.join(dir, '.lazy'), manyLazyFile(reg.host, n));
    const out = {};
    for (const k of ['first', 'again']) {
      const from = await accessLogSize(reg);
      out[k] = await timed('node', [CLI, 'build', '-q', dir], { env });
      const reqs = await accessLogRequests(reg, from);
      out[k].requests = reqs.length;
      out[k].methods = byMethod(reqs);
    }
    return out;
  } finally {
    await stopRegistry(reg);
    await rmTemp(env.XDG_CACHE_HOME);
  }
}

const perTarget = (x, n) => x / (2 * n);
const methods = (m, n) => Object.entries(m).sort().map(([k, v]) => `${k} ${fmt(perTarget(v, n), 2)}`).join(', ');

export async function benchMany({ lazyEnv, rounds: ROUNDS, log }) {
  const N = num('BENCH_MANY', 200);
  const half = Math.max(1, Math.floor(N / 2));
  const dirs = { [N]: await project(N), [half]: await project(half) };
  const rows = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [N, half] : [half, N];
      const row = { round: r + 1, order: order.join(', ') };
      for (const n of order) row[n] = await oneRun(n, dirs[n], lazyEnv);
      rows.push(row);
      log(`many round ${row.round}: ${N} first ${fmt(row[N].first.wall)}s (${row[N].first.requests} req) again ${fmt(row[N].again.wall)}s (${row[N].again.requests} req); ${half} first ${fmt(row[half].first.wall)}s again ${fmt(row[half].again.wall)}s`);
    }
  } finally {
    for (const d of Object.values(dirs)) await rmTemp(d);
  }
  const med = (f) => median(rows.map(f));
  const md = ['# Many artifacts', ''];
  md.push(`- a \`.lazy\` with ${N} (BENCH_MANY) and ${half} \`artifact\` entries, one ~220-byte JSON file each, 2 targets each (\`many/aI:v1\`, \`many/bI:v1\`) on one fresh registry per run; \`node dist/cli.js build -q DIR\` (no terminal), then the same command again (unchanged re-push, the digest cache of the first push kept); ${ROUNDS} rounds, the order of the two sizes alternating`);
  md.push('- requests: every `/v2/` request in the registry\'s access log during the run, divided by the number of artifact-targets (2 × entries)', '');
  md.push('| round | entries | first push wall s | CPU s | requests per artifact-target | re-push wall s | CPU s | requests per artifact-target |', '|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    for (const n of [half, N]) {
      const x = row[n];
      md.push(`| ${row.round} | ${n} | ${fmt(x.first.wall)} | ${fmt(x.first.cpu)} | ${fmt(perTarget(x.first.requests, n))} (${methods(x.first.methods, n)}) | ${fmt(x.again.wall)} | ${fmt(x.again.cpu)} | ${fmt(perTarget(x.again.requests, n))} (${methods(x.again.methods, n)}) |`);
    }
  }
  for (const n of [half, N]) {
    md.push(`| median | ${n} | ${fmt(med((r) => r[n].first.wall))} | ${fmt(med((r) => r[n].first.cpu))} | ${fmt(med((r) => perTarget(r[n].first.requests, n)))} | ${fmt(med((r) => r[n].again.wall))} | ${fmt(med((r) => r[n].again.cpu))} | ${fmt(med((r) => perTarget(r[n].again.requests, n)))} |`);
  }
  md.push('');
  const growthFirst = med((r) => r[N].first.wall / r[half].first.wall);
  const growthAgain = med((r) => r[N].again.wall / r[half].again.wall);
  const againReq = Math.max(...rows.map((r) => perTarget(r[N].again.requests, N)));
  const againOther = Math.max(...rows.map((r) => perTarget(r[N].again.requests - (r[N].again.methods.HEAD ?? 0) - (r[N].again.methods.PUT ?? 0), N)));
  const scale = N / half;
  const cpuFirst = med((r) => r[N].first.cpu / r[half].first.cpu);
  const cpuAgain = med((r) => r[N].again.cpu / r[half].again.cpu);
  md.push(`Growth from ${half} to ${N} entries (×${fmt(scale, 1)}): wall — first push ×${fmt(growthFirst)}, re-push ×${fmt(growthAgain)}; lazyoci's CPU — first push ×${fmt(cpuFirst)}, re-push ×${fmt(cpuAgain)} (medians of per-round ratios; start-up is paid once, so linear growth is at most ×${fmt(scale, 1)}). The wall time is mostly the registry answering one request after another (targets are pushed in order), so it follows the registry's speed on a busy machine more than lazyoci's.`, '');
  const targets = [
    [`many artifacts: first push wall, ${N} vs ${half} entries`, `≤ ${fmt(scale * 1.1, 1)}× (linear)`, `${fmt(growthFirst)}×`, growthFirst <= scale * 1.1],
    [`many artifacts: re-push wall, ${N} vs ${half} entries`, `≤ ${fmt(scale * 1.1, 1)}× (linear)`, `${fmt(growthAgain)}×`, growthAgain <= scale * 1.1],
    [`many artifacts: first push CPU, ${N} vs ${half} entries`, `≤ ${fmt(scale * 1.1, 1)}× (linear)`, `${fmt(cpuFirst)}×`, cpuFirst <= scale * 1.1],
    ['many artifacts: unchanged re-push requests per artifact-target', '≤ 2 (HEAD + 1 tag write)', fmt(againReq), againReq <= 2],
    ['many artifacts: unchanged re-push requests other than HEAD and tag PUT', '0', fmt(againOther * 2 * N, 0), againOther === 0],
  ];
  return { md, targets };
}

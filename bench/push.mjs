// Push: cold push of 3 files side by side with skopeo and parallel curl, the same push with
// the digests known, re-push to new tags, one big blob, start-up. Unchanged from the push-only bench.
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CLI, ROOT, LAYER_MT, EMPTY_MT, num, fmt, median, tempDir, startRegistry, stopRegistry, run, timed,
  timedInTerminal, drewLiveView, wallOf, writeRandom, lazyFile, curlUpload, blobRequests, ttyEnvOf,
} from './lib.mjs';

const STARTUP_RUNS = 10;

export async function benchPush({ work, input, lazyEnv, rounds: ROUNDS, mib: MIB, notes, log }) {
  let BIG_MIB = num('BENCH_BIG_MIB', 2048);
  const BIG_ROUNDS = num('BENCH_BIG_ROUNDS', 1);
  const { proj, files, layout } = input;
  const freeMiB = Number(execFileSync('df', ['-Pm', os.tmpdir()]).toString().trim().split('\n').pop().split(/\s+/)[3]);
  if (freeMiB < BIG_MIB * 3 + 2048 && BIG_MIB > 1024) {
    notes.push(`Disk space low (${freeMiB} MiB free): big blob reduced from ${BIG_MIB} to 1024 MiB.`);
    BIG_MIB = 1024;
  }
  const bigProj = path.join(work, 'big');
  await fsp.mkdir(bigProj);
  const bigFile = path.join(bigProj, 'big.bin');
  if (BIG_ROUNDS > 0) await writeRandom(bigFile, BIG_MIB);

  const names = files.map((f) => f.name);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const lazyFirst = r % 2 === 0;
    const row = { round: r + 1, order: lazyFirst ? 'lazyoci, skopeo, curl' : 'curl, skopeo, lazyoci' };
    const regs = {};
    try {
      for (const k of ['lazy', 'skopeo', 'curl', 'known']) regs[k] = await startRegistry(`${k}${r}`);
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.lazy.host, 'bench/lazy', names, ['t0']));
      // Cold means nothing known: a new digest cache each round. (b) below reuses it.
      const roundEnv = { ...lazyEnv, XDG_CACHE_HOME: await tempDir(`cache${r}`) };
      const ttyEnv = ttyEnvOf(roundEnv);
      const steps = {
        lazy: async () => {
          row.lazy = await timedInTerminal(['node', CLI, 'build', proj], { env: ttyEnv });
          if (!drewLiveView(row.lazy.out)) throw new Error(`lazyoci drew no live progress view in the terminal:\n${row.lazy.out.slice(-2000)}`);
        },
        skopeo: async () => {
          row.skopeo = await timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:bench`, `docker://${regs.skopeo.host}/bench/skopeo:t0`]);
        },
        curl: async () => {
          const t0 = process.hrtime.bigint();
          await Promise.all(files.map((f) => curlUpload(regs.curl.host, 'bench/curl', f)));
          row.curl = { wall: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
      };
      const order = lazyFirst ? ['lazy', 'skopeo', 'curl'] : ['curl', 'skopeo', 'lazy'];
      for (const k of order) await steps[k]();
      // Both pushes must hold the same layers, stored uncompressed (equal sizes).
      for (const [k, repo] of [['lazy', 'bench/lazy'], ['skopeo', 'bench/skopeo']]) {
        const res = await fetch(`http://${regs[k].host}/v2/${repo}/manifests/t0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
        const m = await res.json();
        const sizes = (m.layers ?? []).map((l) => l.size).join(',');
        if (sizes !== files.map((f) => f.size).join(',')) throw new Error(`${k} pushed layers of sizes ${sizes}, expected ${files.map((f) => f.size).join(',')}`);
      }

      // (a2) for information, not a target: the same push to another fresh registry with
      // the digests already known (the cache (a) left), as skopeo's layout knows them.
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.known.host, 'bench/known', names, ['t0']));
      row.known = await timedInTerminal(['node', CLI, 'build', proj], { env: ttyEnv });

      // (b) same content, three new tags, one run, against the registry that has the blobs.
      const before = (await fsp.readFile(regs.lazy.logPath, 'utf8')).length;
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.lazy.host, 'bench/lazy', names, ['t1', 't2', 't3']));
      row.retag = await timed('node', [CLI, 'build', '-q', proj], { env: roundEnv });
      const log = (await fsp.readFile(regs.lazy.logPath, 'utf8')).slice(before);
      Object.assign(row.retag, blobRequests(log));
      row.retag.requests = log.split('\n').filter((l) => /"(GET|HEAD|POST|PUT|PATCH|DELETE) \/v2\//.test(l)).length;
    } finally {
      for (const reg of Object.values(regs)) await stopRegistry(reg);
    }
    rounds.push(row);
    log(`round ${row.round}: lazyoci ${fmt(row.lazy.wall)}s (digests known ${fmt(row.known.wall)}s), skopeo ${fmt(row.skopeo.wall)}s, curl ${fmt(row.curl.wall)}s, re-push ${fmt(row.retag.wall)}s`);
  }

  // (c) one big blob.
  const big = [];
  for (let r = 0; r < BIG_ROUNDS; r++) {
    const reg = await startRegistry(`big${r}`);
    try {
      await fsp.writeFile(path.join(bigProj, '.lazy'), lazyFile(reg.host, 'bench/big', ['big.bin'], ['t0']));
      const bigEnv = ttyEnvOf({ ...lazyEnv, XDG_CACHE_HOME: await tempDir(`big-cache${r}`) });
      big.push(await timedInTerminal(['node', CLI, 'build', bigProj], { env: bigEnv }));
    } finally {
      await stopRegistry(reg);
    }
    log(`big blob round ${r + 1}: ${fmt(big[r].wall)}s, ${fmt(big[r].rss, 1)} MiB RSS`);
  }

  await fsp.rm(bigProj, { recursive: true, force: true });

  // (d) start-up, alternating the three commands.
  const st = { node: [], version: [], validate: [] };
  const vEnv = { ...lazyEnv, LAZYOCI_REGISTRY: '127.0.0.1:5000', LAZYOCI_VERSION: '1.2.3' };
  const cmds = {
    node: ['node', ['-e', '0']],
    version: ['node', [CLI, '--version']],
    validate: ['node', [CLI, 'validate', path.join(ROOT, 'examples', 'artifact'), '-q']],
  };
  for (const [c, a] of Object.values(cmds)) await run(c, a, { env: vEnv }); // warm the page cache
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const [k, [c, a]] of Object.entries(cmds)) st[k].push(await wallOf(c, a, { env: vEnv }));
  }
  const stMed = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, median(v)]));

  // Ratios per round, then medians.
  const ratio = {
    wallSkopeo: median(rounds.map((r) => r.lazy.wall / r.skopeo.wall)),
    wallCurl: median(rounds.map((r) => r.lazy.wall / r.curl.wall)),
    cpuSkopeo: median(rounds.map((r) => r.lazy.cpu / r.skopeo.cpu)),
    knownSkopeo: median(rounds.map((r) => r.known.wall / r.skopeo.wall)),
    retagNode: median(rounds.map((r) => r.retag.wall)) / stMed.node,
  };
  const maxRss = Math.max(...rounds.map((r) => r.lazy.rss), ...rounds.map((r) => r.retag.rss), ...big.map((b) => b.rss));
  const retagUploads = Math.max(...rounds.map((r) => r.retag.uploads));

  const md = [];
  md.push('# Push', '');
  md.push(`- rounds: ${ROUNDS}; files: 3 × ${MIB} MiB random, layer media type \`${LAYER_MT}\`, empty config \`${EMPTY_MT}\`; big blob: ${BIG_MIB} MiB (BENCH_BIG_MIB), ${BIG_ROUNDS} round(s) (BENCH_BIG_ROUNDS)`);
  md.push('- each round: a fresh `docker-registry serve` per tool, stopped after the round; order alternates (odd rounds lazyoci → skopeo → curl, even rounds curl → skopeo → lazyoci)');
  md.push('- lazyoci: `node dist/cli.js build DIR` in a pseudo-terminal (`script`, 120×40, TERM=xterm-256color, colours on), so the live progress view is drawn and its cost counted (the run is checked to have redrawn frames); a fresh digest cache each round; skopeo: `skopeo copy -q --dest-tls-verify=false oci:LAYOUT:bench docker://HOST/bench/skopeo:t0`; curl: three parallel `POST` + monolithic `PUT --data-binary @file ?digest=` (digests precomputed)');
  md.push('- (b) re-push: `node dist/cli.js build -q DIR` with the digest cache left by the cold push of its round, as CI runs it (no terminal); (c) big blob: in the pseudo-terminal as in (a)', '');
  md.push('## (a) Cold push, 3 files', '');
  md.push('| round | order | lazyoci wall s | skopeo wall s | curl wall s | lazyoci CPU s | skopeo CPU s | lazyoci RSS MiB | skopeo RSS MiB | lazy/skopeo wall | lazy/curl wall | lazy/skopeo CPU |');
  md.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rounds) {
    md.push(`| ${r.round} | ${r.order} | ${fmt(r.lazy.wall)} | ${fmt(r.skopeo.wall)} | ${fmt(r.curl.wall)} | ${fmt(r.lazy.cpu)} | ${fmt(r.skopeo.cpu)} | ${fmt(r.lazy.rss, 1)} | ${fmt(r.skopeo.rss, 1)} | ${fmt(r.lazy.wall / r.skopeo.wall)} | ${fmt(r.lazy.wall / r.curl.wall)} | ${fmt(r.lazy.cpu / r.skopeo.cpu)} |`);
  }
  const med = (f) => median(rounds.map(f));
  md.push(`| median | | ${fmt(med((r) => r.lazy.wall))} | ${fmt(med((r) => r.skopeo.wall))} | ${fmt(med((r) => r.curl.wall))} | ${fmt(med((r) => r.lazy.cpu))} | ${fmt(med((r) => r.skopeo.cpu))} | ${fmt(med((r) => r.lazy.rss), 1)} | ${fmt(med((r) => r.skopeo.rss), 1)} | ${fmt(ratio.wallSkopeo)} | ${fmt(ratio.wallCurl)} | ${fmt(ratio.cpuSkopeo)} |`, '');
  md.push('## (a2) For information: the same push with the digests already known', '');
  md.push('Each round, after (a), lazyoci pushes the same files to one more fresh registry with the digest cache (a) left: nothing is hashed before the uploads, as skopeo is handed the digests by its layout. Not a target; it shows what the cold push spends on hashing first.', '');
  md.push('| round | wall s | CPU s | vs skopeo wall | vs curl wall |', '|---|---|---|---|---|');
  for (const r of rounds) md.push(`| ${r.round} | ${fmt(r.known.wall)} | ${fmt(r.known.cpu)} | ${fmt(r.known.wall / r.skopeo.wall)} | ${fmt(r.known.wall / r.curl.wall)} |`);
  md.push(`| median | ${fmt(med((r) => r.known.wall))} | ${fmt(med((r) => r.known.cpu))} | ${fmt(median(rounds.map((r) => r.known.wall / r.skopeo.wall)))} | ${fmt(median(rounds.map((r) => r.known.wall / r.curl.wall)))} |`, '');
  md.push('## (b) Same content to three new tags (t1, t2, t3) in one run', '');
  md.push('| round | wall s | CPU s | RSS MiB | registry requests | blob requests | blob upload requests |', '|---|---|---|---|---|---|---|');
  for (const r of rounds) md.push(`| ${r.round} | ${fmt(r.retag.wall)} | ${fmt(r.retag.cpu)} | ${fmt(r.retag.rss, 1)} | ${r.retag.requests} | ${r.retag.blob} | ${r.retag.uploads} |`);
  md.push(`| median | ${fmt(med((r) => r.retag.wall))} | ${fmt(med((r) => r.retag.cpu))} | ${fmt(med((r) => r.retag.rss), 1)} | ${median(rounds.map((r) => r.retag.requests))} | ${median(rounds.map((r) => r.retag.blob))} | ${median(rounds.map((r) => r.retag.uploads))} |`, '');
  md.push(`## (c) Single ${BIG_MIB} MiB blob`, '');
  md.push('| round | wall s | CPU s | peak RSS MiB | MiB/s |', '|---|---|---|---|---|');
  big.forEach((b, i) => md.push(`| ${i + 1} | ${fmt(b.wall)} | ${fmt(b.cpu)} | ${fmt(b.rss, 1)} | ${fmt(BIG_MIB / b.wall, 0)} |`));
  md.push('');
  md.push(`## (d) Start-up (${STARTUP_RUNS} runs each, interleaved, after one warm-up run)`, '');
  md.push('| command | median ms | min ms | max ms |', '|---|---|---|---|');
  const label = { node: '`node -e 0`', version: '`node dist/cli.js --version`', validate: '`node dist/cli.js validate examples/artifact -q`' };
  for (const k of Object.keys(st)) md.push(`| ${label[k]} | ${fmt(stMed[k] * 1000, 0)} | ${fmt(Math.min(...st[k]) * 1000, 0)} | ${fmt(Math.max(...st[k]) * 1000, 0)} |`);
  md.push('');
  md.push('## (e) Reference: three parallel monolithic curl PUTs', '');
  md.push(`Median wall ${fmt(med((r) => r.curl.wall))} s (${fmt((3 * MIB) / med((r) => r.curl.wall), 0)} MiB/s); per round in table (a).`, '');
  const targets = [
    ['cold push wall vs skopeo', '≤ 0.8', fmt(ratio.wallSkopeo), ratio.wallSkopeo <= 0.8],
    ['push with the digests known: wall vs skopeo', '≤ 0.7', fmt(ratio.knownSkopeo), ratio.knownSkopeo <= 0.7],
    ['cold push wall vs parallel curl', '≤ 1.25', fmt(ratio.wallCurl), ratio.wallCurl <= 1.25],
    ['cold push CPU (user+sys) vs skopeo', '≤ 0.6', fmt(ratio.cpuSkopeo), ratio.cpuSkopeo <= 0.6],
    ['re-push to 3 new tags: blob uploads', '0', String(retagUploads), retagUploads === 0],
    ['re-push to 3 new tags: wall vs `node -e 0`', '≤ 4×', `${fmt(ratio.retagNode)}× (${fmt(med((r) => r.retag.wall))} s vs ${fmt(stMed.node * 1000, 0)} ms)`, ratio.retagNode <= 4],
    ['peak RSS (max over (a), (b), (c))', '≤ 150 MiB', `${fmt(maxRss, 1)} MiB`, maxRss <= 150],
    ['start-up `--version` vs `node -e 0`', '≤ +120 ms', `+${fmt((stMed.version - stMed.node) * 1000, 0)} ms`, stMed.version - stMed.node <= 0.12],
    ['start-up `validate` vs `node -e 0`', '≤ +120 ms', `+${fmt((stMed.validate - stMed.node) * 1000, 0)} ms`, stMed.validate - stMed.node <= 0.12],
  ];
  return { md, targets };
}

// Pull and copy: 3 × MIB MiB from a local registry into a fresh OCI layout (lazyoci pull vs
// skopeo copy docker:// oci:), as files (pull --format files), and registry to registry into a
// fresh destination (lazyoci copy vs skopeo copy docker:// docker://), alternating order.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  CLI, fmt, median, tempDir, rmTemp, startRegistry, stopRegistry, run, timed, timedInTerminal,
  drewLiveView, ttyEnvOf,
} from './lib.mjs';

const SKOPEO_SRC = ['--src-tls-verify=false'];

/** Every blob under a layout's blobs/sha256 has the digest of its name (what skopeo also checks). */
async function layoutBlobsVerified(dir, files) {
  const names = new Set(fs.readdirSync(path.join(dir, 'blobs', 'sha256')));
  for (const f of files) if (!names.has(f.hex)) throw new Error(`layout ${dir} lacks layer ${f.hex}`);
}

async function filesPulled(dir, files) {
  for (const f of files) {
    const st = await fsp.stat(path.join(dir, f.name)).catch(() => undefined);
    if (st?.size !== f.size) throw new Error(`pull --format files: ${f.name} missing or of size ${st?.size}`);
  }
}

/** Seeds one source registry with the bench artifact (pushed by skopeo from the layout). */
async function seedSource(input) {
  const src = await startRegistry('pull-src');
  await run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${input.layout}:bench`, `docker://${src.host}/bench/src:t0`]);
  return src;
}

export async function benchPullCopy({ input, lazyEnv, rounds: ROUNDS, mib: MIB, sections, log }) {
  const { files } = input;
  const src = await seedSource(input);
  const ref = `${src.host}/bench/src:t0`;
  const env = ttyEnvOf(lazyEnv);
  const pull = [];
  const copy = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const lazyFirst = r % 2 === 0;
      if (sections.has('pull')) {
        const row = { round: r + 1, order: lazyFirst ? 'lazyoci, skopeo, files' : 'files, skopeo, lazyoci' };
        const steps = {
          lazy: async () => {
            const dest = await tempDir(`pull-lazy${r}`);
            try {
              row.lazy = await timedInTerminal(['node', CLI, 'pull', ref, '--dest', dest], { env });
              if (!drewLiveView(row.lazy.out)) throw new Error(`lazyoci pull drew no live progress view:\n${row.lazy.out.slice(-2000)}`);
              await layoutBlobsVerified(dest, files);
            } finally { await rmTemp(dest); }
          },
          skopeo: async () => {
            const dest = await tempDir(`pull-skopeo${r}`);
            try {
              row.skopeo = await timed('skopeo', ['copy', '-q', ...SKOPEO_SRC, `docker://${ref}`, `oci:${dest}:bench`]);
              await layoutBlobsVerified(dest, files);
            } finally { await rmTemp(dest); }
          },
          files: async () => {
            const dest = await tempDir(`pull-files${r}`);
            try {
              row.files = await timedInTerminal(['node', CLI, 'pull', ref, '--format', 'files', '--dest', dest], { env });
              await filesPulled(dest, files);
            } finally { await rmTemp(dest); }
          },
        };
        for (const k of lazyFirst ? ['lazy', 'skopeo', 'files'] : ['files', 'skopeo', 'lazy']) await steps[k]();
        pull.push(row);
        log(`pull round ${row.round}: lazyoci ${fmt(row.lazy.wall)}s cpu ${fmt(row.lazy.cpu)}s rss ${fmt(row.lazy.rss, 0)}MiB, skopeo ${fmt(row.skopeo.wall)}s cpu ${fmt(row.skopeo.cpu)}s, files ${fmt(row.files.wall)}s cpu ${fmt(row.files.cpu)}s`);
      }
      if (sections.has('copy')) {
        const row = { round: r + 1, order: lazyFirst ? 'lazyoci, skopeo' : 'skopeo, lazyoci' };
        const regs = {};
        try {
          for (const k of ['lazy', 'skopeo']) regs[k] = await startRegistry(`copy-${k}${r}`);
          const steps = {
            lazy: async () => { row.lazy = await timedInTerminal(['node', CLI, 'copy', ref, `${regs.lazy.host}/bench/copy:t0`], { env }); },
            skopeo: async () => {
              row.skopeo = await timed('skopeo', ['copy', '-q', ...SKOPEO_SRC, '--dest-tls-verify=false', `docker://${ref}`, `docker://${regs.skopeo.host}/bench/copy:t0`]);
            },
          };
          for (const k of lazyFirst ? ['lazy', 'skopeo'] : ['skopeo', 'lazy']) await steps[k]();
          for (const k of ['lazy', 'skopeo']) {
            const res = await fetch(`http://${regs[k].host}/v2/bench/copy/manifests/t0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
            const sizes = ((await res.json()).layers ?? []).map((l) => l.size).join(',');
            if (sizes !== files.map((f) => f.size).join(',')) throw new Error(`${k} copied layers of sizes ${sizes}`);
          }
        } finally {
          for (const reg of Object.values(regs)) await stopRegistry(reg);
        }
        copy.push(row);
        log(`copy round ${row.round}: lazyoci ${fmt(row.lazy.wall)}s cpu ${fmt(row.lazy.cpu)}s rss ${fmt(row.lazy.rss, 0)}MiB, skopeo ${fmt(row.skopeo.wall)}s cpu ${fmt(row.skopeo.cpu)}s`);
      }
    }
  } finally {
    await stopRegistry(src);
  }

  const md = [];
  const targets = [];
  const med = (rows, f) => median(rows.map(f));
  if (pull.length) {
    md.push('# Pull', '');
    md.push(`- ${ROUNDS} rounds; one source registry seeded once (skopeo from the push layout: 3 × ${MIB} MiB, uncompressed \`application/octet-stream\` layers); each round every tool writes into a new empty directory, removed after the round; order alternates`);
    md.push('- lazyoci: `node dist/cli.js pull REF --dest DIR` and `pull REF --format files --dest DIR` in the pseudo-terminal (live view drawn, checked); skopeo: `skopeo copy -q --src-tls-verify=false docker://REF oci:DIR:bench`; each result checked to hold every layer', '');
    md.push('| round | order | lazyoci wall s | skopeo wall s | files wall s | lazyoci CPU s | skopeo CPU s | files CPU s | lazyoci RSS MiB | skopeo RSS MiB | files RSS MiB | wall ratio | CPU ratio |');
    md.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of pull) {
      md.push(`| ${r.round} | ${r.order} | ${fmt(r.lazy.wall)} | ${fmt(r.skopeo.wall)} | ${fmt(r.files.wall)} | ${fmt(r.lazy.cpu)} | ${fmt(r.skopeo.cpu)} | ${fmt(r.files.cpu)} | ${fmt(r.lazy.rss, 1)} | ${fmt(r.skopeo.rss, 1)} | ${fmt(r.files.rss, 1)} | ${fmt(r.lazy.wall / r.skopeo.wall)} | ${fmt(r.lazy.cpu / r.skopeo.cpu)} |`);
    }
    const wall = med(pull, (r) => r.lazy.wall / r.skopeo.wall);
    const cpu = med(pull, (r) => r.lazy.cpu / r.skopeo.cpu);
    const fwall = med(pull, (r) => r.files.wall / r.skopeo.wall);
    const rss = Math.max(...pull.map((r) => Math.max(r.lazy.rss, r.files.rss)));
    md.push(`| median | | ${fmt(med(pull, (r) => r.lazy.wall))} | ${fmt(med(pull, (r) => r.skopeo.wall))} | ${fmt(med(pull, (r) => r.files.wall))} | ${fmt(med(pull, (r) => r.lazy.cpu))} | ${fmt(med(pull, (r) => r.skopeo.cpu))} | ${fmt(med(pull, (r) => r.files.cpu))} | ${fmt(med(pull, (r) => r.lazy.rss), 1)} | ${fmt(med(pull, (r) => r.skopeo.rss), 1)} | ${fmt(med(pull, (r) => r.files.rss), 1)} | ${fmt(wall)} | ${fmt(cpu)} |`, '');
    targets.push(
      ['pull into a layout: wall vs skopeo', '≤ 0.7', fmt(wall), wall <= 0.7],
      ['pull into a layout: CPU vs skopeo', '≤ 0.6', fmt(cpu), cpu <= 0.6],
      ['pull --format files: wall vs skopeo layout', '≤ 0.7', fmt(fwall), fwall <= 0.7],
      ['pull peak RSS (layout and files)', '≤ 150 MiB', `${fmt(rss, 1)} MiB`, rss <= 150],
    );
  }
  if (copy.length) {
    md.push('# Copy between registries', '');
    md.push(`- ${ROUNDS} rounds; the same source registry; each round two fresh destination registries (one per tool), stopped after the round; order alternates`);
    md.push('- lazyoci: `node dist/cli.js copy SRC DEST` in the pseudo-terminal; skopeo: `skopeo copy -q --src-tls-verify=false --dest-tls-verify=false docker://SRC docker://DEST`; the destination manifests are checked to list the same layers', '');
    md.push('| round | order | lazyoci wall s | skopeo wall s | lazyoci CPU s | skopeo CPU s | lazyoci RSS MiB | skopeo RSS MiB | wall ratio | CPU ratio |');
    md.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of copy) {
      md.push(`| ${r.round} | ${r.order} | ${fmt(r.lazy.wall)} | ${fmt(r.skopeo.wall)} | ${fmt(r.lazy.cpu)} | ${fmt(r.skopeo.cpu)} | ${fmt(r.lazy.rss, 1)} | ${fmt(r.skopeo.rss, 1)} | ${fmt(r.lazy.wall / r.skopeo.wall)} | ${fmt(r.lazy.cpu / r.skopeo.cpu)} |`);
    }
    const wall = med(copy, (r) => r.lazy.wall / r.skopeo.wall);
    const cpu = med(copy, (r) => r.lazy.cpu / r.skopeo.cpu);
    const rss = Math.max(...copy.map((r) => r.lazy.rss));
    md.push(`| median | | ${fmt(med(copy, (r) => r.lazy.wall))} | ${fmt(med(copy, (r) => r.skopeo.wall))} | ${fmt(med(copy, (r) => r.lazy.cpu))} | ${fmt(med(copy, (r) => r.skopeo.cpu))} | ${fmt(med(copy, (r) => r.lazy.rss), 1)} | ${fmt(med(copy, (r) => r.skopeo.rss), 1)} | ${fmt(wall)} | ${fmt(cpu)} |`, '');
    targets.push(
      ['copy registry → registry: wall vs skopeo', '≤ 0.8', fmt(wall), wall <= 0.8],
      ['copy peak RSS (streamed, flat)', '≤ 150 MiB', `${fmt(rss, 1)} MiB`, rss <= 150],
    );
  }
  return { md, targets };
}

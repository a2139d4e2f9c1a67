// `npm run build`: bundles src/cli-entry.ts (then src/cli.ts) and its dependencies into dist/ (one chunk per
// lazily loaded command, shared code in common chunks), then precompiles the .lazy
// schema beside them. One bundle starts faster than hundreds of module files: Node
// resolves, reads and compiles each file of an unbundled tree separately.
// Type checking is `npm run typecheck` (tsc); esbuild only strips the types.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

/** The commit of the checkout being built, for `lazyoci version`; "unknown" outside git. */
function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The build date, UTC to the second; SOURCE_DATE_EPOCH fixes it for reproducible builds. */
function buildDate() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

await rm(dist, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // ink reaches for React's devtools only when DEV=true; lazyoci never sets it.
  external: ['react-devtools-core'],
  // React's production build: its development checks cost the progress view about a
  // quarter of its CPU and 14 MB.
  define: {
    'process.env.NODE_ENV': '"production"',
    __LAZYOCI_COMMIT__: JSON.stringify(gitCommit()),
    __LAZYOCI_BUILD_DATE__: JSON.stringify(buildDate()),
  },
  // Bundled CommonJS modules call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __lazyociCreateRequire } from 'node:module'; const require = __lazyociCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
// ink's devtools module (loaded only when DEV=true) statically imports
// react-devtools-core, which is not installed: it is left empty, in the live view's
// file and in the browser's chunks alike.
const noInkDevtools = {
  name: 'no-ink-devtools',
  setup(build) {
    build.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}ink${path.sep}`) ? { path: 'ink-devtools', namespace: 'empty' } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
  },
};
// undici's client requires its HTTP/2 half, and with it node:http2, when it loads; lazyoci
// never asks for HTTP/2 (no allowH2), so that half is required on first use only: about
// 10 ms less of every run that talks to a registry (the browser's first requests among them).
const lazyUndiciH2 = {
  name: 'lazy-undici-h2',
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "const connectH2 = require('./client-h2.js')";
      if (!source.includes(eager)) throw new Error(`lazy-undici-h2: ${args.path} no longer has \`${eager}\`; update scripts/build.mjs`);
      return { contents: source.replace(eager, "const connectH2 = (...args) => require('./client-h2.js')(...args)"), loader: 'js' };
    });
  },
};
// The live view draws on a thread of its own, started from its own file. Built apart,
// it holds only what that thread runs: split from the CLI, it would import the CLI's
// shared chunks (yaml among them) for their side effects.
// ink and its helpers measure text with src/ui/text-width.ts, which answers the view's
// own lines itself and hands the rest to string-width.
const textWidth = path.join(root, 'src', 'ui', 'text-width.ts');
const viewTextWidth = {
  name: 'view-text-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.importer === textWidth || args.pluginData === 'view-text-width') return undefined;
      const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'view-text-width' });
      // Only what resolves to the string-width text-width.ts wraps; other versions stay as they are.
      const wrapped = await build.resolve('string-width', { kind: 'import-statement', resolveDir: path.dirname(textWidth), importer: textWidth, pluginData: 'view-text-width' });
      return real.path === wrapped.path ? { path: textWidth } : real;
    });
  },
};
// The browser's ink measures its text the same way: its first frame measured every title
// and row with string-width's Intl.Segmenter and emoji expression, tens of ms at start.
await esbuild.build({ ...common, entryPoints: { cli: 'src/cli-entry.ts' }, splitting: true, plugins: [noInkDevtools, lazyUndiciH2, viewTextWidth] });
await esbuild.build({ ...common, entryPoints: { 'live-view-worker': 'src/ui/live-view-worker.ts' }, plugins: [noInkDevtools, viewTextWidth] });
await chmod(path.join(dist, 'cli.js'), 0o755);
// Handlebars is required on first use (src/template/render.ts), out of esbuild's sight:
// bundled on its own here, so the installed package needs no node_modules.
await esbuild.build({
  stdin: { contents: "module.exports = require('handlebars');", resolveDir: root, loader: 'js', sourcefile: 'handlebars-entry.cjs' },
  outfile: 'dist/handlebars.cjs',
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// The schema, compiled with the options the run-time fallback uses (src/config/schema-options.ts).
const options = await esbuild.transform(await readFile(path.join(root, 'src', 'config', 'schema-options.ts'), 'utf8'), { loader: 'ts', format: 'esm' });
const { AJV_OPTIONS } = await import(`data:text/javascript,${encodeURIComponent(options.code)}`);
const schema = JSON.parse(await readFile(path.join(root, 'schemas', 'lazy.schema.json'), 'utf8'));
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const code = standalone.default(ajv, ajv.compile(schema));
// The generated code requires ajv's run-time helpers; bundled in, the installed package
// needs no ajv (it has no dependencies at all: everything is in dist/).
const validator = await esbuild.build({
  stdin: { contents: code, resolveDir: root, loader: 'js', sourcefile: 'lazy-schema-validator.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'warning',
});
await mkdir(dist, { recursive: true });
await writeFile(
  path.join(dist, 'lazy-schema-validator.cjs'),
  `// Generated by scripts/build.mjs from schemas/lazy.schema.json; do not edit.\n${validator.outputFiles[0].text}\n`,
);

// The command tree shell completion reads, taken from the built commands' own definitions,
// so `lazyoci __complete` answers each TAB without loading every command.
const tree = execFileSync(process.execPath, [path.join(dist, 'cli.js'), '__complete', '--print-tree'], { encoding: 'utf8' });
await writeFile(path.join(dist, 'completion-tree.json'), tree);

// The GitHub Action (action.yml): reads the step's inputs from the INPUT_* variables the
// runner sets, runs the lazyoci CLI bundled beside it (`dist/cli.js`) as `build -o json`,
// and hands the result back as step outputs and a job summary table.
// Plain JavaScript with no dependencies, so the action needs nothing installed to start.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

class InputError extends Error {}

try {
  process.exitCode = await main();
} catch (err) {
  command('error', err instanceof InputError ? err.message : `lazyoci action: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

async function main() {
  const username = input('username');
  const password = input('password');
  // Masked before anything else is printed, so no later line can show them.
  for (const secret of [username, password]) if (secret !== '') mask(secret);
  if ((username === '') !== (password === '')) throw new InputError('inputs username and password go together: give both or neither');
  const summary = booleanInput('summary', true);

  ensureBuilt();
  const args = ['build', '-o', 'json'];
  if (booleanInput('dry-run', false)) args.push('--dry-run');
  if (booleanInput('insecure', false)) args.push('--insecure');
  // The `--name=value` form: a value starting with `-` stays a value.
  for (const [name, flag] of [['file', '--file'], ['tag', '--tag'], ['artifact', '--artifact']]) {
    const value = input(name);
    if (value !== '') args.push(`${flag}=${value}`);
  }
  const where = input('path');
  if (where !== '') args.push('--', where);

  const env = childEnv({ registry: input('registry'), username, password });
  const run = await runCli(args, env);
  const doc = parseResult(run.stdout);

  const results = Array.isArray(doc) ? doc : [];
  const digestOf = (artifact) => artifact.targets.find((t) => t.digest)?.digest ?? '';
  const references = results.flatMap((a) => a.targets.filter((t) => t.error === undefined).map((t) => t.reference));
  const digests = [...new Set(results.map(digestOf).filter((d) => d !== ''))];
  setOutput('digest', results.length > 0 ? digestOf(results[0]) : '');
  setOutput('references', references.join('\n'));
  setOutput('digests', digests.join('\n'));
  setOutput('result', doc === undefined ? '' : JSON.stringify(doc));
  if (summary && results.length > 0) writeSummary(results, args.includes('--dry-run'));

  if (run.code === 0) return 0;
  const message = doc?.error?.message ?? lastLine(run.stderr) ?? `lazyoci exited with ${run.code}`;
  for (const problem of doc?.error?.problems ?? []) command('error', typeof problem === 'string' ? problem : JSON.stringify(problem));
  for (const failed of results.flatMap((a) => a.targets.filter((t) => t.error !== undefined))) command('error', `${failed.reference}: ${failed.error}`);
  command('error', `lazyoci build failed (exit ${run.code}): ${message}`);
  return 1;
}

/** GitHub's form: `INPUT_` + the name upper-cased, spaces as `_`, dashes kept (INPUT_DRY-RUN). */
function input(name) {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** The YAML 1.2 core schema's booleans, as the actions toolkit reads them. */
function booleanInput(name, fallback) {
  const value = input(name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`input ${name}: expected true or false, got ${JSON.stringify(value)}`);
}

/**
 * A checkout of a release tag carries dist/ (see README, "GitHub Action"); on any other
 * ref the CLI is built once here, from the action's own sources, before the first run.
 */
function ensureBuilt() {
  if (existsSync(CLI)) return;
  console.log('::group::lazyoci: building the CLI (this ref of the action carries no dist/)');
  try {
    if (!existsSync(path.join(ROOT, 'node_modules'))) step('npm', ['ci', '--no-audit', '--no-fund']);
    step(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')]);
  } finally {
    console.log('::endgroup::');
  }
  if (!existsSync(CLI)) throw new InputError(`building lazyoci did not produce ${CLI}`);
}

function step(file, args) {
  const run = spawnSync(file, args, { cwd: ROOT, stdio: 'inherit', env: withoutInputs(process.env) });
  if (run.error !== undefined) {
    throw new InputError(`cannot build lazyoci: ${file} ${args[0]}: ${run.error.code === 'ENOENT' ? `${file} is not on PATH` : run.error.message}; use a release tag of the action (it carries dist/)`);
  }
  if (run.status !== 0) throw new InputError(`cannot build lazyoci: ${path.basename(file)} ${args.join(' ')} exited with ${run.status ?? run.signal}`);
}

/** Credentials reach lazyoci through its environment, never its arguments. */
function childEnv({ registry, username, password }) {
  const env = withoutInputs(process.env);
  if (registry !== '') env.LAZYOCI_REGISTRY = registry;
  if (username !== '') {
    env.LAZYOCI_USERNAME = username;
    env.LAZYOCI_PASSWORD = password;
  }
  return env;
}

function withoutInputs(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('INPUT_')));
}

/**
 * lazyoci's stderr goes to the log as it comes; its stdout (the JSON document) is kept.
 * Both are read with workflow commands stopped: nothing in a registry's answer or a
 * .lazy file can become a `::command::` of the runner.
 */
function runCli(args, env) {
  const token = randomUUID();
  console.log(`::stop-commands::${token}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    // A cancelled workflow signals this process; lazyoci gets to stop cleanly too.
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    const out = [];
    let err = '';
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => {
      process.stderr.write(c);
      err = (err + c.toString('utf8')).slice(-8192);
    });
    child.on('error', (e) => {
      console.log(`::${token}::`);
      reject(e);
    });
    child.on('close', (code, signal) => {
      console.log(`::${token}::`);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
}

function parseResult(stdout) {
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

function lastLine(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
}

/** `name<<DELIMITER` form: values may hold several lines. */
function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) throw new InputError('GITHUB_OUTPUT is not set: this action runs on GitHub Actions (runner 2.297 or later)');
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

function writeSummary(results, dryRun) {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const rows = results.flatMap((a) =>
    a.targets.map((t) => {
      const status = t.error !== undefined ? `failed: ${t.error}` : t.pushed ? 'pushed' : dryRun ? 'dry run' : 'not pushed';
      const digest = !t.digest ? '' : /^[a-z0-9+._-]+:[a-zA-Z0-9=_-]+$/.test(t.digest) ? `\`${t.digest}\`` : cell(t.digest);
      return `| ${cell(a.name)} | ${cell(t.reference)} | ${digest} | ${a.size === undefined ? '' : formatBytes(a.size)} | ${cell(status)} |`;
    }),
  );
  const title = dryRun ? '### lazyoci build (dry run)' : '### lazyoci build';
  appendFileSync(file, `${title}\n\n| artifact | reference | digest | size | status |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n`);
}

/** Text from a .lazy file or a registry shown as text in a Markdown table cell. */
function cell(text) {
  return String(text).replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|&]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function mask(value) {
  for (const line of value.split(/\r?\n/)) if (line !== '') console.log(`::add-mask::${escapeData(line)}`);
}

function command(name, message) {
  console.log(`::${name}::${escapeData(message)}`);
}

function escapeData(text) {
  return String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

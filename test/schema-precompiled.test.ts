// The build ships the .lazy schema precompiled (scripts/build.mjs) so a run does not
// compile it at start-up (issue 6). The shipped validator must judge every document
// exactly as the schema compiled at run time does, and the CLI must actually use it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createSchemaValidator, type CompiledValidate } from '../src/config/validate-schema.js';
import { CLI_PATH, REPO_ROOT, runCli } from './support/cli.js';

const SEED = 20_261_201;
const PRECOMPILED = path.join(REPO_ROOT, 'dist', 'lazy-schema-validator.cjs');

const artifact = fc.record(
  {
    type: fc.constantFrom('artifact', 'helm', 'image', 'docker', 'other', 3),
    name: fc.oneof(fc.string(), fc.integer()),
    mediaType: fc.string(),
    files: fc.array(fc.oneof(fc.record({ path: fc.string(), mediaType: fc.string() }, { requiredKeys: [] }), fc.string()), { maxLength: 3 }),
    chartPath: fc.string(),
    platforms: fc.array(fc.string(), { maxLength: 2 }),
    buildArgs: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
    targets: fc.array(fc.record({ registry: fc.string(), tags: fc.array(fc.oneof(fc.string(), fc.boolean()), { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 2 }),
    annotations: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant(null))),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const document = fc.record({ version: fc.oneof(fc.constant(1), fc.constant(2), fc.string()), artifacts: fc.array(artifact, { maxLength: 3 }) }, { requiredKeys: [] });

describe('the precompiled .lazy schema', () => {
  it('agrees with the run-time compile on the examples and on 400 generated documents', async () => {
    const shipped = createRequire(import.meta.url)(PRECOMPILED) as CompiledValidate;
    const [precompiled, runtime] = [createSchemaValidator(shipped), createSchemaValidator()];
    const docs: unknown[] = [];
    for (const name of ['artifact', 'helm-chart', 'image', 'multi']) {
      docs.push(YAML.parse(await readFile(path.join(REPO_ROOT, 'examples', name, '.lazy'), 'utf8')));
    }
    docs.push(YAML.parse(await readFile(path.join(REPO_ROOT, '.lazy.example'), 'utf8')));
    docs.push(...fc.sample(document, { seed: SEED, numRuns: 400 }));
    let invalid = 0;
    for (const doc of docs) {
      const expected = runtime(doc);
      expect(precompiled(doc)).toEqual(expected);
      if (expected.length > 0) invalid++;
    }
    // The sample must exercise the error paths, not only valid documents.
    expect(invalid).toBeGreaterThan(300);
    expect(runtime(docs[0])).toEqual([]);
  });

  it('is what the built CLI loads, never the ajv compiler', async () => {
    const args = ['validate', path.join(REPO_ROOT, 'examples', 'artifact')];
    const env = { NODE_DEBUG: 'module', LAZYOCI_REGISTRY: '127.0.0.1:5000', LAZYOCI_VERSION: '1.0.0' };
    const run = await runCli(args, { env });
    expect(run.code, run.stderr).toBe(0);
    expect(CLI_PATH.endsWith(path.join('dist', 'cli.js'))).toBe(true);
    // NODE_DEBUG=module names every CommonJS file Node loads.
    expect(run.stderr).toMatch(/lazy-schema-validator\.cjs/);
    expect(run.stderr).not.toMatch(/ajv[/\\]dist[/\\](ajv|compile)/);
  });
});

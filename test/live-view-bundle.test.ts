// The live view's thread starts from its own file (scripts/build.mjs). It must hold
// only what that thread runs: an import of the CLI's shared chunks would make the
// thread load and evaluate them (yaml, the registry client) before its first frame.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.js';

const WORKER = path.join(REPO_ROOT, 'dist', 'live-view-worker.js');

function importedSpecifiers(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm)) found.add(m[1]!);
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) found.add(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1]!);
  return [...found];
}

/** The source files esbuild bundled, from the path comments it writes above each one. */
function bundledSources(code: string): string[] {
  return [...code.matchAll(/^\/\/ ((?:node_modules|src)\/\S+)$/gm)].map((m) => m[1]!);
}

describe('the live view thread bundle', () => {
  it('imports nothing but Node built-ins', async () => {
    const code = await readFile(WORKER, 'utf8');
    const specifiers = importedSpecifiers(code);
    expect(specifiers).toContain('node:worker_threads');
    expect(specifiers.filter((s) => !s.startsWith('node:'))).toEqual([]);
  });

  it('holds the view and ink, not the CLI around them', async () => {
    const sources = bundledSources(await readFile(WORKER, 'utf8'));
    expect(sources).toContain('src/ui/live-view-worker.ts');
    expect(sources.some((s) => s.startsWith('node_modules/ink/'))).toBe(true);
    // ink measures the view's lines with text-width.ts, which wraps string-width.
    expect(sources).toContain('src/ui/text-width.ts');
    // The thread's own globals come first, before yoga-layout asks for fetch.
    expect(sources.indexOf('src/ui/live-view-thread-globals.ts')).toBeLessThan(sources.findIndex((s) => s.startsWith('node_modules/yoga-layout/')));
    const foreign = sources.filter((s) => /^node_modules\/(yaml|undici|commander|ajv|tar-stream)\//.test(s) || /^src\/(registry|config|push|copy|content)\//.test(s));
    expect(foreign).toEqual([]);
  });
});

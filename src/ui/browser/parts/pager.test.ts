import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choosePager, openInPager } from './pager.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-pager-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recorder(): { calls: string[]; suspend: () => void; resume: () => void } {
  const calls: string[] = [];
  return { calls, suspend: () => void calls.push('suspend'), resume: () => void calls.push('resume') };
}

describe('openInPager', () => {
  it('writes the exact bytes to $PAGER, between suspend and resume', async () => {
    const out = path.join(dir, 'paged.json');
    const text = `${JSON.stringify({ schemaVersion: 2, annotations: { 'é': 'ü' } }, null, 2)}\n`;
    const r = recorder();
    const pager = `cat > '${out}'; echo done >> '${path.join(dir, 'order')}'`;
    const shown = await openInPager(text, {
      env: { PATH: process.env.PATH, PAGER: pager },
      suspend: () => {
        r.suspend();
      },
      resume: async () => {
        // The pager has exited by the time resume is called.
        r.calls.push(`pager wrote: ${(await readFile(path.join(dir, 'order'), 'utf8')).trim()}`);
        r.resume();
      },
    });
    expect(shown).toBe(true);
    expect(await readFile(out)).toEqual(Buffer.from(text, 'utf8'));
    expect(r.calls).toEqual(['suspend', 'pager wrote: done', 'resume']);
  });

  it('passes a large document through a pager that reads it all (no lost tail)', async () => {
    const out = path.join(dir, 'big.txt');
    const text = 'x'.repeat(3 * 1024 * 1024);
    expect(await openInPager(text, { env: { PATH: process.env.PATH, PAGER: `cat > '${out}'` } })).toBe(true);
    expect((await readFile(out)).length).toBe(text.length);
  });

  it('survives a pager that quits without reading (like q in less), and still resumes', async () => {
    const r = recorder();
    expect(await openInPager('y'.repeat(1024 * 1024), { env: { PATH: process.env.PATH, PAGER: 'true' }, ...r })).toBe(true);
    expect(r.calls).toEqual(['suspend', 'resume']);
  });

  it('returns false (after resuming) when $PAGER names a command that does not exist', async () => {
    const r = recorder();
    expect(await openInPager('{}', { env: { PATH: process.env.PATH, PAGER: 'no-such-pager-lazyoci' }, ...r })).toBe(false);
    expect(r.calls).toEqual(['suspend', 'resume']);
  });

  it('without $PAGER takes less -R, else more, else nothing (false, terminal untouched)', async () => {
    const onlyMore = path.join(dir, 'only-more');
    const none = path.join(dir, 'none');
    await Promise.all([mkdir(onlyMore), mkdir(none)]);
    await writeFile(path.join(onlyMore, 'more'), '#!/bin/sh\ncat >/dev/null\n');
    await chmod(path.join(onlyMore, 'more'), 0o755);
    expect(await choosePager({ PATH: onlyMore })).toBe('more');
    expect(await choosePager({ PATH: none, PAGER: '' })).toBeUndefined();
    const r = recorder();
    expect(await openInPager('{}', { env: { PATH: none }, ...r })).toBe(false);
    expect(r.calls).toEqual([]);
    const withLess = path.join(dir, 'with-less');
    await mkdir(withLess);
    for (const tool of ['less', 'more']) {
      await writeFile(path.join(withLess, tool), '#!/bin/sh\n');
      await chmod(path.join(withLess, tool), 0o755);
    }
    expect(await choosePager({ PATH: withLess })).toBe('less -R');
  });
});

// The lock file a real mirror run writes beside its config: every reference it mirrored
// (or found already there) pinned to its digest, so a later deploy can pull by digest.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ContentError } from '../../errors/index.js';
import type { MirrorResult } from './mirror.js';

/** `mirror.yaml` → `mirror.lock.yaml` (the extension kept), in the same directory. */
export function lockFilePath(configFile: string): string {
  const name = basename(configFile);
  const m = /^(.*?)(\.ya?ml)?$/i.exec(name)!;
  return join(dirname(configFile), `${m[1]}.lock${m[2] ?? '.yaml'}`);
}

export function lockFileText(result: MirrorResult): string {
  const done = <T extends { status: string }>(items: T[]): T[] => items.filter((i) => i.status === 'copied' || i.status === 'skipped');
  const body = {
    target: result.target,
    ...(result.layout === undefined ? {} : { layout: result.layout }),
    charts: done(result.charts).map((c) => ({ key: c.key, chart: c.chart, version: c.version, source: c.source, target: c.target, digest: c.digest })),
    images: done(result.images).map((i) => ({ source: i.source, target: i.target, digest: i.digest, ...(i.platforms === undefined ? {} : { platforms: i.platforms }) })),
  };
  return `# Written by lazyoci mirror: each mirrored reference and the digest it holds.\n${stringify(body, { lineWidth: 0 })}`;
}

/** Written beside and renamed, so a crash leaves the old lock file whole. */
export async function writeLockFile(file: string, result: MirrorResult): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, lockFileText(result), { flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new ContentError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

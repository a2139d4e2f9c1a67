// When a `helm` binary is on PATH, the images a chart's rendered manifests name
// (`helm template` with the chart's default values), as the Go tool finds them. Best
// effort: a chart that does not render with its defaults adds nothing.
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTool } from '../../build/run-tool.js';
import { CancelledError } from '../../errors/index.js';
import type { ImageMention } from '../../content/chart-images.js';
import { formatReference, parseReference } from '../../ref/reference.js';

const HELM_TIMEOUT_MS = 60_000;

export async function findHelm(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'helm');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next PATH entry
    }
  }
  return undefined;
}

/** `image: ref` lines of rendered YAML, each image once. */
export function imagesInRenderedYaml(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/^\s*-?\s*image:\s*(\S.*?)\s*$/gm)) {
    const raw = m[1]!.replace(/^["']|["']$/g, '');
    if (raw === '' || raw.includes('{{') || raw === 'null') continue;
    try {
      out.add(formatReference(parseReference(raw, { defaultTag: 'latest' })));
    } catch {
      // not an image reference
    }
  }
  return [...out];
}

export async function helmTemplateImages(helm: string, tgz: Buffer, signal?: AbortSignal): Promise<ImageMention[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lazyoci-helm-'));
  try {
    const file = path.join(dir, 'chart.tgz');
    await writeFile(file, tgz);
    const { stdout } = await runTool(helm, ['template', 'lazyoci-mirror', file, '--no-hooks'], {
      timeoutMs: HELM_TIMEOUT_MS,
      label: 'helm template',
      ...(signal === undefined ? {} : { signal }),
    });
    return imagesInRenderedYaml(stdout).map((image) => ({ image, where: 'helm template' }));
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    return [];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

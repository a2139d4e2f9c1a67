// `lazyoci browse files|cat|config REF`: look inside an image from the registry, streamed.
import { Command, InvalidArgumentError } from 'commander';
import { catImageFile } from '../ops/cat-file.js';
import { inspectImageConfig } from '../ops/image-config.js';
import { ociPlatformOf } from '../ops/image-target.js';
import { inspectImageFiles, type ImageFiles, type WastedSpace } from '../ops/inspect-files.js';
import { parsePlatform, type PlatformSpec } from '../oci/platform.js';
import { formatReference, parseReference, type Reference } from '../ref/reference.js';
import type { RegistryClient } from '../registry/client/registry-client.js';
import { configText, filesText, wastedLine } from '../ui/inside-text.js';
import { formatBytes } from '../ui/format.js';
import { renderOutput } from '../ui/output.js';
import { UsageError } from '../errors/index.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO, type GlobalOptions } from './context.js';

/** A --max-wasted limit: bytes (`500MB`, `1.5GiB`, `1048576`) or a share of all file bytes (`10%`). */
export type WastedLimit = { bytes: number } | { percent: number };

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

export function parseWastedLimit(value: string): WastedLimit {
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent !== null) {
    const n = Number(percent[1]);
    if (n > 100) throw new InvalidArgumentError('a percentage must be from 0 to 100');
    return { percent: n };
  }
  const size = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text);
  const unit = size === null ? undefined : UNITS[size[2]!.toLowerCase()];
  if (size === null || unit === undefined) throw new InvalidArgumentError('expected a size such as 50MB, 1.5GiB, 1048576, or a percentage such as 10%');
  return { bytes: Math.floor(Number(size[1]) * unit) };
}

export function wastedExceeds(w: WastedSpace, limit: WastedLimit): boolean {
  return 'percent' in limit ? w.percent > limit.percent : w.bytes > limit.bytes;
}

function limitText(limit: WastedLimit): string {
  return 'percent' in limit ? `${limit.percent}%` : formatBytes(limit.bytes);
}

function layerIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a layer number: 0 is the bottom layer');
  return n;
}

interface Target {
  ref: Reference;
  reference: string;
  tagOrDigest: string;
  platform: PlatformSpec | undefined;
}

function target(input: string, platform: string | undefined): Target {
  const ref = parseReference(input, { defaultTag: 'latest' });
  return { ref, reference: formatReference(ref), tagOrDigest: ref.digest ?? ref.tag ?? 'latest', platform: platform === undefined ? undefined : parsePlatform(platform) };
}

/** One cancellable client for one look inside an image, closed afterwards. */
function withClient<T>(g: GlobalOptions, io: CommandIO, version: string, registry: string, look: (client: RegistryClient) => Promise<T>): Promise<T> {
  return runCancellable(async (signal) => {
    const client = await openRegistryClient(g, io, version, signal, registry);
    try {
      return await look(client);
    } finally {
      await client.close();
    }
  });
}

function platformOptions(t: Target): { platform?: PlatformSpec; hostPlatform: PlatformSpec } {
  return { ...(t.platform === undefined ? {} : { platform: t.platform }), hostPlatform: ociPlatformOf(process.platform, process.arch) };
}

/** The reader of stdout went away (`browse cat … | head`): stop reading, quietly. */
class OutputClosed extends Error {}

/** Binary-safe stdout; each chunk waits until it is written, so a slow pipe holds the download back. */
function stdoutWriter(): (chunk: Buffer) => Promise<void> {
  let closed = false;
  // Kept for the rest of the run: a broken pipe can be reported after the last write.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
  });
  return (chunk) =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new OutputClosed());
        return;
      }
      process.stdout.write(chunk, (err) => {
        if (err === null || err === undefined) resolve();
        else reject((err as NodeJS.ErrnoException).code === 'EPIPE' ? new OutputClosed() : err);
      });
    });
}

const PLATFORM_HELP = 'from a multi-platform index, this platform (default: this machine\'s)';

export function addInsideCommands(browse: Command, io: CommandIO, version: string): void {
  browse
    .command('files')
    .description("list an image's files, layers applied in order (whiteouts honoured), or one layer's; streamed, nothing written to disk")
    .argument('<reference>', 'host[:port]/repository[:tag][@digest]')
    .option('--layer <n>', 'only layer N (0 is the bottom), marked + added, ~ changed, - removed', layerIndex)
    .option('--platform <os/arch[/variant]>', PLATFORM_HELP)
    .option('--max-wasted <size|percent>', 'exit 1 when wasted space (bytes in files a later layer replaced or deleted) is over this, e.g. 20MB or 10%', parseWastedLimit)
    .action(async function (this: Command, input: string) {
      const opts = this.opts<{ layer?: number; platform?: string; maxWasted?: WastedLimit }>();
      const g = globalOptions(this);
      if (opts.maxWasted !== undefined && opts.layer !== undefined) throw new UsageError('--max-wasted is about the whole image; it cannot be used with --layer');
      const t = target(input, opts.platform);
      const progress = !g.quiet && (process.stderr as { isTTY?: boolean }).isTTY === true;
      const files: ImageFiles = await withClient(g, io, version, t.ref.registry, (client) =>
        inspectImageFiles(client.repository(t.ref, 'pull'), t.reference, t.tagOrDigest, {
          ...platformOptions(t),
          ...(opts.layer === undefined ? {} : { layer: opts.layer }),
          ...(progress ? { onLayer: (e) => !e.done && io.stderr(`reading layer ${e.index + 1} of ${e.count} (${formatBytes(e.size)})\n`) } : {}),
        }),
      );
      const exceeded = opts.maxWasted !== undefined && wastedExceeds(files.wasted, opts.maxWasted);
      const data = opts.maxWasted === undefined ? files : { ...files, maxWasted: { limit: limitText(opts.maxWasted), exceeded } };
      io.stdout(renderOutput(g.output, data, () => filesText(files)));
      if (exceeded) {
        io.stderr(`${wastedLine(files.wasted)}: over --max-wasted ${limitText(opts.maxWasted!)}\n`);
        io.setExitCode(1);
      }
    });

  browse
    .command('cat')
    .description('write one file of an image to stdout, read from the top layer down, stopping as soon as it is found')
    .argument('<reference>', 'host[:port]/repository[:tag][@digest]')
    .argument('<path>', 'the file, e.g. /etc/os-release')
    .option('--platform <os/arch[/variant]>', PLATFORM_HELP)
    .action(async function (this: Command, input: string, path: string) {
      const opts = this.opts<{ platform?: string }>();
      const g = globalOptions(this);
      const t = target(input, opts.platform);
      try {
        await withClient(g, io, version, t.ref.registry, (client) =>
          catImageFile(client.repository(t.ref, 'pull'), t.reference, t.tagOrDigest, path, { ...platformOptions(t), write: stdoutWriter() }),
        );
      } catch (err) {
        if (!(err instanceof OutputClosed)) throw err;
      }
    });

  browse
    .command('config')
    .description("show an image's config: entrypoint, cmd, env, labels, user, working dir, ports, and its history with the layer each step made")
    .argument('<reference>', 'host[:port]/repository[:tag][@digest]')
    .option('--platform <os/arch[/variant]>', PLATFORM_HELP)
    .action(async function (this: Command, input: string) {
      const opts = this.opts<{ platform?: string }>();
      const g = globalOptions(this);
      const t = target(input, opts.platform);
      const summary = await withClient(g, io, version, t.ref.registry, (client) =>
        inspectImageConfig(client.repository(t.ref, 'pull'), t.reference, t.tagOrDigest, platformOptions(t)),
      );
      io.stdout(renderOutput(g.output, summary, configText));
    });
}

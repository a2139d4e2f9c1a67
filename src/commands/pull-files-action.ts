// `lazyoci pull REF --format files`: the files an artifact carries, into a directory.
import { resolve } from 'node:path';
import type { PlatformSpec } from '../oci/platform.js';
import { pullFiles } from '../ops/pull-files.js';
import { formatReference, type Reference } from '../ref/reference.js';
import { RegistryClient } from '../registry/client/registry-client.js';
import type { UserSettings } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { pullFilesData, pullFilesText, skippedLayerNote } from '../ui/pull-text.js';
import { runCancellable } from './cancellation.js';
import { registryOptions, type CommandIO, type GlobalOptions } from './context.js';

export interface PullFilesRequest {
  ref: Reference;
  platform: PlatformSpec | undefined;
  /** --dest as typed; the current directory when absent, as helm pull and oras pull. */
  dest: string | undefined;
  settings: UserSettings;
}

export async function runPullFiles(io: CommandIO, version: string, g: GlobalOptions, req: PullFilesRequest): Promise<void> {
  const { ref, platform } = req;
  const dest = resolve(io.cwd, req.dest ?? '.');
  // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
  const progress = await startTransferProgress(
    { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
    { title: `${formatReference(ref)} → ${dest}`, verb: 'pulled' },
  );
  const result = await closingProgress(progress, () => runCancellable(async (signal) => {
    const client = await RegistryClient.create({ ...registryOptions(g, io.env, version, req.settings, ref.registry), signal });
    try {
      return await pullFiles(client.repository(ref, 'pull'), {
        reference: ref,
        dest,
        ...(platform === undefined ? {} : { platform }),
        signal,
        onEvent: progress.onEvent,
        ...(progress.onTotal === undefined ? {} : { onTotal: progress.onTotal }),
      });
    } finally {
      await client.close();
    }
  }));
  // Untitled layers are left out (as oras pull does); say so unless asked to be quiet.
  if (!g.quiet) for (const layer of result.skipped) io.stderr(`${skippedLayerNote(layer)}\n`);
  io.stdout(renderOutput(g.output, pullFilesData(result), pullFilesText));
}

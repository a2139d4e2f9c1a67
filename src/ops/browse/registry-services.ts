// BrowseServices over the real registry client: the browser's reads share one client
// (one connection pool, one token cache); a pull gets a client of its own, so its
// cancel aborts its requests only.
import { join, resolve } from 'node:path';
import { formatReference, type Reference } from '../../ref/reference.js';
import type { RegistryClient } from '../../registry/client/registry-client.js';
import type { UserSettings } from '../../settings/index.js';
import { pullFiles } from '../pull-files.js';
import { defaultPullDest, layoutTagFor, pullToLayout } from '../pull.js';
import type { BrowseServices } from './browse-services.js';
import { openCatalog } from './catalog-reader.js';
import { listKnownRegistries } from './known-registries.js';
import { loadDetails } from './load-details.js';
import { tagPages } from './tag-reader.js';
import { summariseTag } from './tag-summary.js';

export interface RegistryServicesOptions {
  client: RegistryClient;
  /** A fresh client whose requests `signal` aborts, for one long action. */
  openClient: (signal: AbortSignal, registry: string) => Promise<RegistryClient>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  settings: UserSettings;
  /** The registry named on the command line, listed first. */
  commandLineRegistry?: string;
  /** --artifact-dir, over the artifactDir setting. */
  artifactDir?: string;
  concurrency?: number;
}

export function createRegistryServices(opts: RegistryServicesOptions): BrowseServices {
  const { client } = opts;
  const repo = (registry: string, repository: string) => client.repository({ registry, repository }, 'pull');
  return {
    registries: () => listKnownRegistries(opts.env, opts.settings, opts.commandLineRegistry),
    catalog: (registry) => openCatalog(client.registry(registry)),
    tags: (registry, repository) => tagPages(client.registry(registry), repository),
    summary: (registry, repository, tag) => summariseTag(repo(registry, repository), tag),
    details: (registry, repository, tagOrDigest) =>
      loadDetails(repo(registry, repository), `${registry}/${repository}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`, tagOrDigest),
    pull: async (ref: Reference, format, progress, signal) => {
      const own = await opts.openClient(signal, ref.registry);
      try {
        const source = own.repository(ref, 'pull');
        if (format === 'layout') {
          const settings = opts.artifactDir === undefined ? opts.settings : { ...opts.settings, artifactDir: opts.artifactDir };
          const dest = defaultPullDest(ref, settings, opts.env, opts.cwd);
          const result = await pullToLayout(source, {
            reference: ref,
            dest,
            signal,
            onEvent: progress.onEvent,
            onTotal: progress.onTotal,
            ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
          });
          return `${formatReference(ref)} → ${result.dest} (layout, ${result.copied} written, ${result.skipped} already there)`;
        }
        const base = ref.repository.split('/').pop()!;
        const dest = resolve(opts.cwd, join(`${base}-${layoutTagFor(ref)}`));
        const result = await pullFiles(source, { reference: ref, dest, signal, onEvent: progress.onEvent, onTotal: progress.onTotal });
        return `${formatReference(ref)} → ${result.dest} (${result.files.length} file${result.files.length === 1 ? '' : 's'})`;
      } finally {
        await own.close();
      }
    },
    close: () => client.close(),
  };
}

// BrowseServices over the real registry client: the browser's reads share one client
// (one connection pool, one token cache); a pull gets a client of its own, so its
// cancel aborts its requests only.
import { join, resolve } from 'node:path';
import { formatReference, type Reference } from '../../ref/reference.js';
import type { RegistryClient } from '../../registry/client/registry-client.js';
import type { UserSettings } from '../../settings/index.js';
import type { BrowseServices } from './browse-services.js';
import { CatalogUnsupported, knownCatalogless } from './catalog-support.js';
import { listKnownRegistries } from './known-registries.js';
import { loadDetails } from './load-details.js';
import { createRequestRecorder, type RequestRecorder } from './request-recorder.js';
import { summariseTag } from './tag-summary.js';

export interface RegistryServicesOptions {
  /** The client for every read, made on first use: the screen is drawn before the HTTP stack loads. */
  client: () => Promise<RegistryClient>;
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
  /** Where the clients' onRequest hook records (the Requests tab). */
  requests?: RequestRecorder;
}

export function createRegistryServices(opts: RegistryServicesOptions): BrowseServices {
  let opened: Promise<RegistryClient> | undefined;
  const client = (): Promise<RegistryClient> => (opened ??= opts.client());
  const repo = async (registry: string, repository: string) => (await client()).repository({ registry, repository }, 'pull');
  /** A client of its own for a long read, so that its cancel aborts its requests only. */
  const own = async <T>(signal: AbortSignal, registry: string, run: (c: RegistryClient) => Promise<T>): Promise<T> => {
    const c = await opts.openClient(signal, registry);
    try {
      return await run(c);
    } finally {
      await c.close();
    }
  };
  return {
    registries: () => listKnownRegistries(opts.env, opts.settings, opts.commandLineRegistry),
    catalog: (registry) => {
      const known = knownCatalogless(registry);
      if (known !== undefined) return { unsupported: known, next: async () => Promise.reject(new CatalogUnsupported(known)) };
      // The list readers need the HTTP stack, as the client does: loaded with it, on first use.
      const reader = Promise.all([client(), import('./catalog-reader.js')]).then(([c, { openCatalog }]) => openCatalog(c.registry(registry)));
      return { next: async () => (await reader).next() };
    },
    tags: (registry, repository) => ({
      async *[Symbol.asyncIterator]() {
        const [c, { tagPages }] = await Promise.all([client(), import('./tag-reader.js')]);
        yield* tagPages(c.registry(registry), repository);
      },
    }),
    summary: async (registry, repository, tag) => summariseTag(await repo(registry, repository), tag),
    details: async (registry, repository, tagOrDigest) =>
      loadDetails(await repo(registry, repository), `${registry}/${repository}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`, tagOrDigest),
    // The look-inside use cases (tar, zstd, discover) load when a tab first asks for them.
    imageFiles: async (t, signal, onLayer) => {
      const { readImageFiles } = await import('./browse-inside.js');
      return own(signal, t.registry, (c) => readImageFiles(c.repository(t, 'pull'), t, signal, onLayer));
    },
    fileHead: async (t, path, signal) => {
      const { readFileHead } = await import('./browse-inside.js');
      return own(signal, t.registry, (c) => readFileHead(c.repository(t, 'pull'), t, path, signal));
    },
    imageConfig: async (t) => (await import('./browse-inside.js')).readImageConfig(await repo(t.registry, t.repository), t),
    referrers: async (t) => (await import('./browse-inside.js')).readReferrers(await repo(t.registry, t.repository), t),
    requests: opts.requests ?? createRequestRecorder(),
    pull: async (ref: Reference, format, progress, signal) => {
      // The pull use cases (copy engine, layout store) load when first used.
      const [{ defaultPullDest, layoutTagFor, pullToLayout }, { pullFiles }] = await Promise.all([import('../pull.js'), import('../pull-files.js')]);
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
          return `a layout (${result.copied} written, ${result.skipped} already there) of ${formatReference(ref)} → ${result.dest}`;
        }
        const base = ref.repository.split('/').pop()!;
        const dest = resolve(opts.cwd, join(`${base}-${layoutTagFor(ref)}`));
        const result = await pullFiles(source, { reference: ref, dest, signal, onEvent: progress.onEvent, onTotal: progress.onTotal });
        return `${result.files.length} file${result.files.length === 1 ? '' : 's'} of ${formatReference(ref)} → ${result.dest}`;
      } finally {
        await own.close();
      }
    },
    close: async () => {
      if (opened !== undefined) await (await opened).close();
    },
  };
}

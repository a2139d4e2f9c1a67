// BrowseServices over the real registry client: the browser's reads share one client
// (one connection pool, one token cache); a pull gets a client of its own, so its
// cancel aborts its requests only.
import { join, resolve } from 'node:path';
import { formatReference, type Reference } from '../../ref/reference.js';
import type { RegistryClient } from '../../registry/client/registry-client.js';
import type { RegistryClientOptions } from '../../registry/client/registry-client.js';
import { loadSettings, type UserSettings } from '../../settings/index.js';
import { refuseWhenReadOnly } from '../read-only.js';
import { removeRegistry, saveRegistry, savedByNameOrLabel } from '../save-registry.js';
import type { BrowseServices } from './browse-services.js';
import { CatalogUnsupported, knownCatalogless } from './catalog-support.js';
import { listKnownRegistries } from './known-registries.js';
import { createRequestRecorder, type RequestRecorder } from './request-recorder.js';
import { summariseTag } from './tag-summary.js';

export interface RegistryServicesOptions {
  /**
   * The client for every read, made on first use: the screen is drawn before the HTTP stack
   * loads. `settings`: the saved registries as they are now (after the form saved one).
   */
  client: (settings?: UserSettings) => Promise<RegistryClient>;
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
  /** --read-only: copy and delete are refused before any request. */
  readOnly?: boolean;
  /** What every command's client is made with (the connection test starts from it). */
  connectionOptions?: (settings: UserSettings) => RegistryClientOptions;
  /** Where the clients' onRequest hook records (the Requests tab). */
  requests?: RequestRecorder;
}

export function createRegistryServices(opts: RegistryServicesOptions): BrowseServices {
  let opened: Promise<RegistryClient> | undefined;
  let settings = opts.settings;
  // Clients made before the saved registries changed; closed with the services.
  const retired: Promise<RegistryClient>[] = [];
  const client = (): Promise<RegistryClient> => (opened ??= opts.client(settings));
  /** The settings file changed (the registry form): read it again, and make the next read client from it. */
  const settingsChanged = async (): Promise<void> => {
    settings = await loadSettings(opts.env);
    if (opened !== undefined) retired.push(opened);
    opened = undefined;
  };
  const repo = async (registry: string, repository: string) => (await client()).repository({ registry, repository }, 'pull');
  /** A client of its own for a long action, so that its cancel aborts its requests only. */
  const withOwnClient = async <T>(signal: AbortSignal, registry: string, run: (c: RegistryClient) => Promise<T>): Promise<T> => {
    const c = await opts.openClient(signal, registry);
    try {
      return await run(c);
    } finally {
      await c.close();
    }
  };
  return {
    registries: () => listKnownRegistries(opts.env, settings, opts.commandLineRegistry),
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
    summary: async (registry, repository, tag, signal) => summariseTag(await repo(registry, repository), tag, signal),
    details: async (registry, repository, tagOrDigest) => {
      // Loaded on first use (a chart's files need a tar reader): not on the way to the first frame.
      const [source, { loadDetails }] = await Promise.all([repo(registry, repository), import('./load-details.js')]);
      return loadDetails(source, `${registry}/${repository}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`, tagOrDigest);
    },
    // The look-inside use cases (tar, zstd, discover) load when a tab first asks for them.
    imageFiles: async (t, signal, onLayer) => {
      const { readImageFiles } = await import('./browse-inside.js');
      return withOwnClient(signal, t.registry, (c) => readImageFiles(c.repository(t, 'pull'), t, signal, onLayer));
    },
    fileHead: async (t, path, signal) => {
      const { readFileHead } = await import('./browse-inside.js');
      return withOwnClient(signal, t.registry, (c) => readFileHead(c.repository(t, 'pull'), t, path, signal));
    },
    imageConfig: async (t) => (await import('./browse-inside.js')).readImageConfig(await repo(t.registry, t.repository), t),
    referrers: async (t) => (await import('./browse-inside.js')).readReferrers(await repo(t.registry, t.repository), t),
    requests: opts.requests ?? createRequestRecorder(),
    pull: async (ref: Reference, format, progress, signal) => {
      // The pull use cases (copy engine, layout store) load when first used.
      const [{ defaultPullDest, layoutTagFor, pullToLayout }, { pullFiles }] = await Promise.all([import('../pull.js'), import('../pull-files.js')]);
      return withOwnClient(signal, ref.registry, async (own) => {
        const source = own.repository(ref, 'pull');
        if (format === 'layout') {
          const withDir = opts.artifactDir === undefined ? settings : { ...settings, artifactDir: opts.artifactDir };
          const dest = defaultPullDest(ref, withDir, opts.env, opts.cwd);
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
      });
    },
    copy: async (source, dest, progress, signal) => {
      refuseWhenReadOnly(opts.readOnly, `copy ${formatReference(source)} → ${formatReference(dest)}`);
      const { copyArtifact } = await import('../copy-artifact.js');
      // One client for both ends, its credentials for the registry written to (as `lazyoci copy`).
      return withOwnClient(signal, dest.registry, async (own) => {
        const result = await copyArtifact(own.repository(source, 'pull'), own.repository(dest, 'push'), {
          source,
          dest,
          signal,
          onEvent: progress.onEvent,
          onTotal: progress.onTotal,
          ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
        });
        return { image: result.image, digest: result.digest, retag: result.retag };
      });
    },
    deleteManifest: async (ref, expectDigest, signal) => {
      refuseWhenReadOnly(opts.readOnly, `delete ${formatReference(ref)}`);
      const { deleteManifest } = await import('../delete-manifest.js');
      return withOwnClient(signal, ref.registry, async (own) => {
        const result = await deleteManifest(own.repository(ref, 'delete'), ref, {
          readOnly: opts.readOnly === true,
          ...(expectDigest === undefined ? {} : { expectDigest }),
          signal,
        });
        return { digest: result.digest };
      });
    },
    savedRegistry: async (name) => savedByNameOrLabel(await loadSettings(opts.env), name),
    saveRegistry: async (input) => {
      const result = await saveRegistry(opts.env, { cwd: opts.cwd, ...input });
      await settingsChanged();
      return { name: result.entry.name, created: result.created };
    },
    removeRegistry: async (name) => {
      const removed = await removeRegistry(opts.env, name);
      await settingsChanged();
      return removed.name;
    },
    testConnection: async (input) => {
      const { testConnection } = await import('../test-connection.js');
      const current = await loadSettings(opts.env);
      const base = opts.connectionOptions?.(current) ?? { env: opts.env, settings: current };
      return testConnection(input, base);
    },
    close: async () => {
      const all = [...retired, ...(opened === undefined ? [] : [opened])];
      await Promise.all(all.map(async (c) => (await c).close()));
    },
  };
}

// BrowseServices from fixed data, for component tests: the screen is tested on its own
// here; the real use cases are tested against the real registry (test/browser-*.test.ts).
import type { BrowseServices } from '../../ops/browse/browse-services.js';
import type { CatalogReader } from '../../ops/browse/catalog-reader.js';
import { CatalogUnsupported } from '../../ops/browse/catalog-support.js';
import type { TagDetails } from '../../ops/browse/load-details.js';
import type { TagSummary } from '../../ops/browse/tag-summary.js';
import type { RegistryEntryInput } from '../../ops/save-registry.js';
import { formatReference } from '../../ref/reference.js';
import { indexDetails, insideServices, type InsideCalls } from './test-inside-services.js';

export interface FixedRegistry {
  repositories?: string[];
  /** No catalog: the reader says so. */
  catalogless?: string;
  tags?: Record<string, string[]>;
}

export interface FixedServices extends BrowseServices {
  summaryCalls: string[];
  /** What the look-inside calls were asked (test-inside-services.ts). */
  inside: InsideCalls;
  catalogPages: number;
  /** What the write actions were asked to do: "SRC → DEST", references deleted, entries saved, names removed. */
  copies: string[];
  deletes: string[];
  saves: RegistryEntryInput[];
  removes: string[];
}

const DIGEST = `sha256:${'a'.repeat(64)}` as const;

export function fixedDetails(tag: string): TagDetails {
  return {
    summary: {
      reference: tag,
      descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 400 },
      document: {
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: DIGEST, size: 100 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: DIGEST, size: 2048 }],
      },
      kind: 'image',
      artifactType: 'application/vnd.oci.image.config.v1+json',
      totalSize: 2548,
    },
    raw: '{}',
    config: { entrypoint: ['/bin/app'], cmd: ['--serve'], env: ['PATH=/bin'], user: 'app', workingDir: '/srv', history: [{ createdBy: 'COPY app /bin/app' }] },
    problems: [],
  };
}

export function fixedServices(registries: Record<string, FixedRegistry>, pageSize = 100): FixedServices {
  const inside: InsideCalls = { imageFiles: [], fileHeads: [], signals: [] };
  const self: FixedServices = {
    summaryCalls: [],
    inside,
    ...insideServices(inside),
    catalogPages: 0,
    copies: [],
    deletes: [],
    saves: [],
    removes: [],
    registries: async () => Object.keys(registries).map((name) => ({ name, sources: ['saved'] })),
    catalog: (registry): CatalogReader => {
      const r = registries[registry] ?? {};
      if (r.catalogless !== undefined) {
        const why = r.catalogless;
        return { unsupported: why, next: async () => Promise.reject(new CatalogUnsupported(why)) };
      }
      let at = 0;
      return {
        next: async () => {
          self.catalogPages++;
          const all = r.repositories ?? [];
          const page = all.slice(at, at + pageSize);
          at += pageSize;
          return { repositories: page, done: at >= all.length };
        },
      };
    },
    tags: (registry, repository) => ({
      async *[Symbol.asyncIterator]() {
        const all = registries[registry]?.tags?.[repository] ?? [];
        for (let i = 0; i < all.length; i += 1000) yield all.slice(i, i + 1000);
      },
    }),
    summary: async (_registry, _repository, tag): Promise<TagSummary> => {
      self.summaryCalls.push(tag);
      return { kind: 'image', digest: DIGEST, size: 2548, platforms: ['linux/amd64'] };
    },
    details: async (_r, _repo, tag) => (tag === 'multi' ? indexDetails(tag) : fixedDetails(tag)),
    pull: async () => 'pulled',
    copy: async (source, dest) => {
      self.copies.push(`${formatReference(source)} → ${formatReference(dest)}`);
      return { image: formatReference(dest), digest: DIGEST, retag: source.registry === dest.registry && source.repository === dest.repository };
    },
    deleteManifest: async (ref) => {
      self.deletes.push(formatReference(ref));
      return { digest: DIGEST };
    },
    savedRegistry: async (name) => (registries[name] === undefined ? undefined : { name }),
    saveRegistry: async (input) => {
      self.saves.push(input);
      const created = registries[input.name] === undefined;
      registries[input.name] ??= {};
      return { name: input.name, created };
    },
    removeRegistry: async (name) => {
      self.removes.push(name);
      delete registries[name];
      return name;
    },
    testConnection: async (input) => ({ ok: true, status: 200, authenticated: false, message: `${input.registry} answers; no login needed` }),
    close: async () => undefined,
  };
  return self;
}

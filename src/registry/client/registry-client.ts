// The entry point for talking to registries in one run: one dispatcher (keep-alive
// pools per origin), one RegistryHttp (endpoint + auth state) per registry.
// Not a singleton: commands make one and close it.
import type { Dispatcher } from 'undici';
import { isLoopbackHost, type Reference } from '../../ref/reference.js';
import { UsageError } from '../../errors/index.js';
import { findSavedRegistry, type SavedRegistry, type UserSettings } from '../../settings/index.js';
import { hasDirectCredentials, resolveCredential, sameRegistry, type Credential, type CredentialSources } from '../auth/credentials.js';
import { createDispatcher, type TlsOptions } from '../transport/dispatcher.js';
import type { RequestListener } from '../transport/request-log.js';
import type { RetryOptions } from '../transport/retry-policy.js';
import type { NetworkTimeouts } from '../transport/timeouts.js';
import { ChartRepositoryClient } from './chart-repository.js';
import { PublicApi } from './public-api.js';
import { RegistryHttp } from './registry-http.js';
import { Repository, type Access } from './repository.js';

export interface RegistryClientOptions extends TlsOptions, CredentialSources {
  userAgent?: string;
  /** Saved registries: their credentials join the chain, and `insecure` applies per registry. */
  settings?: UserSettings;
  /** Backoff timing for retries (tests shorten it); defaults in transport/retry-policy.ts. */
  retry?: RetryOptions;
  /** Connect, response-header and body-stall limits (`--timeout`, LAZYOCI_*_TIMEOUT). */
  timeouts?: Partial<NetworkTimeouts>;
  /** Aborts every request and retry wait; operations then throw CancelledError (exit 130). */
  signal?: AbortSignal;
  /** Transfers at once (--concurrency); sets how many connections a registry host may get. */
  concurrency?: number;
  /** Told of every request once it has ended: method, redacted URL, status, ms, bytes. */
  onRequest?: RequestListener;
}

/**
 * Connections open to one host at once, whatever the callers do: one download and one
 * upload per transfer slot (a copy within one registry streams a GET into a PUT), plus
 * one for a ping or a token. Requests past it wait for a free connection. 4 is the copy
 * engine's default concurrency.
 */
export function connectionsPerHost(concurrency = 4): number {
  return 2 * concurrency + 2;
}

export class RegistryClient {
  readonly #opts: RegistryClientOptions;
  readonly #secure: Dispatcher;
  /** For registries saved as insecure, when --insecure is not given for all. */
  readonly #insecure: Dispatcher | undefined;
  /** For registries saved with their own CA file (unless --ca-file or --insecure covers all), by file. */
  readonly #savedCa: Map<string, Dispatcher | UsageError>;
  readonly #registries = new Map<string, RegistryHttp>();
  /** Where flag/env credentials go: as given, else the first registry this client is asked about. */
  #credentialRegistry: string | undefined;

  private constructor(opts: RegistryClientOptions, secure: Dispatcher, insecure: Dispatcher | undefined, savedCa: Map<string, Dispatcher | UsageError>) {
    this.#opts = opts;
    this.#secure = secure;
    this.#insecure = insecure;
    this.#savedCa = savedCa;
    this.#credentialRegistry = opts.credentialRegistry;
  }

  static async create(opts: RegistryClientOptions): Promise<RegistryClient> {
    const needInsecure = opts.insecure !== true && (opts.settings?.registries.some((r) => r.insecure === true) ?? false);
    const dispatcherOpts = { ...opts, connectionsPerOrigin: connectionsPerHost(opts.concurrency) };
    const savedCa = new Map<string, Dispatcher | UsageError>();
    if (opts.insecure !== true && opts.caFile === undefined) {
      for (const r of opts.settings?.registries ?? []) {
        if (r.caFile === undefined || r.insecure === true || savedCa.has(r.caFile)) continue;
        // An unreadable file fails only the commands that reach that registry.
        savedCa.set(
          r.caFile,
          await createDispatcher({ ...dispatcherOpts, caFile: r.caFile }).catch((err: unknown) => {
            if (!(err instanceof UsageError)) throw err;
            return new UsageError(`registry ${r.name} is saved with caFile ${r.caFile}: ${err.message.replace(/^cannot read --ca-file \S+: /, 'cannot read it: ')}`);
          }),
        );
      }
    }
    return new RegistryClient(
      opts,
      await createDispatcher(dispatcherOpts),
      needInsecure ? await createDispatcher({ ...dispatcherOpts, insecure: true }) : undefined,
      savedCa,
    );
  }

  /** The dispatcher for a saved registry: its insecure flag, its own CA file, or the common one. */
  #dispatcherFor(saved: SavedRegistry | undefined): { dispatcher: Dispatcher; insecure: boolean } {
    if (saved?.insecure === true && this.#insecure !== undefined) return { dispatcher: this.#insecure, insecure: true };
    const own = saved?.caFile === undefined ? undefined : this.#savedCa.get(saved.caFile);
    if (own instanceof UsageError) throw own;
    return { dispatcher: own ?? this.#secure, insecure: this.#opts.insecure === true };
  }

  registry(name: string): RegistryHttp {
    let http = this.#registries.get(name);
    if (http === undefined) {
      // Never every registry of a run: a copy's source must not see the destination's password.
      this.#credentialRegistry ??= name;
      const credentialRegistry = this.#credentialRegistry;
      const saved = this.#opts.settings === undefined ? undefined : findSavedRegistry(this.#opts.settings, name);
      const { dispatcher, insecure } = this.#dispatcherFor(saved);
      http = new RegistryHttp({
        registry: name,
        dispatcher,
        insecure,
        userAgent: this.#opts.userAgent ?? 'lazyoci',
        ...(this.#opts.retry === undefined ? {} : { retry: this.#opts.retry }),
        ...(this.#opts.signal === undefined ? {} : { signal: this.#opts.signal }),
        credential: (repository) => {
          // A registry saved with a path (`host/team`) holds the credentials of the repositories under it.
          const savedFor = this.#opts.settings === undefined ? undefined : findSavedRegistry(this.#opts.settings, name, repository);
          return resolveCredential(name, { ...this.#opts, credentialRegistry, ...(savedFor === undefined ? {} : { saved: savedFor }) }, repository);
        },
        ...(hasDirectCredentials(this.#opts) && !sameRegistry(name, credentialRegistry)
          ? {
              authHint: `--username/--password and LAZYOCI_USERNAME/LAZYOCI_PASSWORD are for ${credentialRegistry} only; for ${name}, name it with --registry ${name}, or use docker login or lazyoci registry add`,
            }
          : {}),
      });
      this.#registries.set(name, http);
    }
    return http;
  }

  /**
   * How an image builder may reach `name` for base images, by this client's rules: what
   * lazyoci would speak to it (plain HTTP for a loopback registry that has no HTTPS,
   * --insecure, a registry saved as insecure) and the credential the chain finds.
   */
  async builderAccess(name: string): Promise<{ insecure: boolean; credential?: Credential }> {
    const http = this.registry(name);
    let insecure = http.insecure;
    if (!insecure && isLoopbackHost(name)) {
      // The same discovery lazyoci's own requests use; unreachable leaves the builder to say so.
      insecure = await http.endpoint().then(
        (url) => url.protocol === 'http:',
        () => false,
      );
    }
    const credential = await http.auth.credential();
    return { insecure, ...(credential === undefined ? {} : { credential }) };
  }

  repository(ref: Pick<Reference, 'registry' | 'repository'>, access: Access): Repository {
    return new Repository(this.registry(ref.registry), ref.repository, access);
  }

  /** Anonymous JSON requests to a registry's web API (search), over this client's dispatcher. */
  publicApi(): PublicApi {
    return new PublicApi({
      dispatcher: this.#secure,
      userAgent: this.#opts.userAgent ?? 'lazyoci',
      insecure: this.#opts.insecure === true,
      ...(this.#opts.retry === undefined ? {} : { retry: this.#opts.retry }),
      ...(this.#opts.signal === undefined ? {} : { signal: this.#opts.signal }),
    });
  }

  /** Anonymous downloads from Helm chart repositories (index.yaml, .tgz), over this client's dispatcher. */
  chartRepository(): ChartRepositoryClient {
    return new ChartRepositoryClient({
      dispatcher: this.#secure,
      userAgent: this.#opts.userAgent ?? 'lazyoci',
      insecure: this.#opts.insecure === true,
      ...(this.#opts.retry === undefined ? {} : { retry: this.#opts.retry }),
      ...(this.#opts.signal === undefined ? {} : { signal: this.#opts.signal }),
    });
  }

  /** Token requests made so far, across registries. */
  tokenRequests(): number {
    let n = 0;
    for (const http of this.#registries.values()) n += http.auth.tokenRequests;
    return n;
  }

  async close(): Promise<void> {
    const own = [...this.#savedCa.values()].filter((d): d is Dispatcher => !(d instanceof UsageError));
    await Promise.all([this.#secure.close(), this.#insecure?.close(), ...own.map((d) => d.close())]);
  }
}

// The entry point for talking to registries in one run: one dispatcher (keep-alive
// pools per origin), one RegistryHttp (endpoint + auth state) per registry.
// Not a singleton: commands make one and close it.
import type { Dispatcher } from 'undici';
import type { Reference } from '../../ref/reference.js';
import { findSavedRegistry, type UserSettings } from '../../settings/index.js';
import { resolveCredential, type CredentialSources } from '../auth/credentials.js';
import { createDispatcher, type TlsOptions } from '../transport/dispatcher.js';
import type { RetryOptions } from '../transport/retry-policy.js';
import type { NetworkTimeouts } from '../transport/timeouts.js';
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
}

export class RegistryClient {
  readonly #opts: RegistryClientOptions;
  readonly #secure: Dispatcher;
  /** For registries saved as insecure, when --insecure is not given for all. */
  readonly #insecure: Dispatcher | undefined;
  readonly #registries = new Map<string, RegistryHttp>();

  private constructor(opts: RegistryClientOptions, secure: Dispatcher, insecure: Dispatcher | undefined) {
    this.#opts = opts;
    this.#secure = secure;
    this.#insecure = insecure;
  }

  static async create(opts: RegistryClientOptions): Promise<RegistryClient> {
    const needInsecure = opts.insecure !== true && (opts.settings?.registries.some((r) => r.insecure === true) ?? false);
    return new RegistryClient(
      opts,
      await createDispatcher(opts),
      needInsecure ? await createDispatcher({ ...opts, insecure: true }) : undefined,
    );
  }

  registry(name: string): RegistryHttp {
    let http = this.#registries.get(name);
    if (http === undefined) {
      const saved = this.#opts.settings === undefined ? undefined : findSavedRegistry(this.#opts.settings, name);
      const savedInsecure = saved?.insecure === true && this.#insecure !== undefined;
      http = new RegistryHttp({
        registry: name,
        dispatcher: savedInsecure ? this.#insecure! : this.#secure,
        insecure: this.#opts.insecure === true || savedInsecure,
        userAgent: this.#opts.userAgent ?? 'lazyoci',
        ...(this.#opts.retry === undefined ? {} : { retry: this.#opts.retry }),
        ...(this.#opts.signal === undefined ? {} : { signal: this.#opts.signal }),
        credential: () => resolveCredential(name, { ...this.#opts, ...(saved === undefined ? {} : { saved }) }),
      });
      this.#registries.set(name, http);
    }
    return http;
  }

  repository(ref: Pick<Reference, 'registry' | 'repository'>, access: Access): Repository {
    return new Repository(this.registry(ref.registry), ref.repository, access);
  }

  /** Token requests made so far, across registries. */
  tokenRequests(): number {
    let n = 0;
    for (const http of this.#registries.values()) n += http.auth.tokenRequests;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([this.#secure.close(), this.#insecure?.close()]);
  }
}

// The entry point for talking to registries in one run: one dispatcher, one
// RegistryHttp (endpoint + auth state) per registry. Not a singleton: commands make one.
import type { Agent } from 'undici';
import type { Reference } from '../../ref/reference.js';
import { resolveCredential, type CredentialSources } from '../auth/credentials.js';
import { createDispatcher, type TlsOptions } from '../transport/dispatcher.js';
import { RegistryHttp } from './registry-http.js';
import { Repository, type Access } from './repository.js';

export interface RegistryClientOptions extends TlsOptions, CredentialSources {
  userAgent?: string;
}

export class RegistryClient {
  readonly #opts: RegistryClientOptions;
  readonly #dispatcher: Agent;
  readonly #registries = new Map<string, RegistryHttp>();

  private constructor(opts: RegistryClientOptions, dispatcher: Agent) {
    this.#opts = opts;
    this.#dispatcher = dispatcher;
  }

  static async create(opts: RegistryClientOptions): Promise<RegistryClient> {
    return new RegistryClient(opts, await createDispatcher(opts));
  }

  registry(name: string): RegistryHttp {
    let http = this.#registries.get(name);
    if (http === undefined) {
      http = new RegistryHttp({
        registry: name,
        dispatcher: this.#dispatcher,
        insecure: this.#opts.insecure === true,
        userAgent: this.#opts.userAgent ?? 'lazyoci',
        credential: () => resolveCredential(name, this.#opts),
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
    await this.#dispatcher.close();
  }
}

// Per-registry authentication state: the challenge the registry gave, the credential
// found for it, and bearer tokens cached by scope set (concurrent fetches merged).
import type { Dispatcher } from 'undici';
import { parseChallenge, type Challenge } from './challenge.js';
import type { Credential } from './credentials.js';
import { fetchToken, type Token } from './token.js';

export interface AuthenticatorOptions {
  dispatcher: Dispatcher;
  insecure: boolean;
  userAgent: string;
  /** Looked up once, on the first challenge. */
  credential: () => Promise<Credential | undefined>;
}

export class Authenticator {
  readonly #opts: AuthenticatorOptions;
  #challenge: Challenge | undefined;
  #credential: Promise<Credential | undefined> | undefined;
  readonly #tokens = new Map<string, Promise<Token>>();
  /** Counts token requests, so callers and tests can see tokens are reused. */
  tokenRequests = 0;

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
  }

  #getCredential(): Promise<Credential | undefined> {
    this.#credential ??= this.#opts.credential();
    return this.#credential;
  }

  /** Remember the challenge from a 401 (the /v2/ ping usually gives it up front). */
  setChallenge(header: string | undefined): void {
    const challenge = parseChallenge(header);
    if (challenge !== undefined) this.#challenge = challenge;
  }

  get hasChallenge(): boolean {
    return this.#challenge !== undefined;
  }

  /** The scheme the registry asked for (basic, bearer), if it asked. */
  get scheme(): string | undefined {
    return this.#challenge?.scheme;
  }

  async hasCredential(): Promise<boolean> {
    return (await this.#getCredential()) !== undefined;
  }

  /** The Authorization header for a request needing `scopes`, or undefined for anonymous. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    const credential = await this.#getCredential();
    if (challenge.scheme === 'basic') {
      if (credential?.kind !== 'basic') return undefined;
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer' || challenge.params.realm === undefined) return undefined;
    const key = [...scopes].sort().join(' ');
    let pending = this.#tokens.get(key);
    if (pending !== undefined) {
      const cached = await pending.catch(() => undefined);
      if (cached === undefined || cached.expiresAt <= Date.now()) pending = undefined;
    }
    if (pending === undefined) {
      this.tokenRequests++;
      pending = fetchToken({
        realm: challenge.params.realm,
        service: challenge.params.service,
        scopes,
        credential,
        dispatcher: this.#opts.dispatcher,
        insecure: this.#opts.insecure,
        userAgent: this.#opts.userAgent,
      });
      this.#tokens.set(key, pending);
    }
    return `Bearer ${(await pending).token}`;
  }

  /**
   * After a 401: take the new challenge and drop the cached token for these scopes.
   * Returns whether a retry can succeed (it cannot when we already had no credential
   * to offer a Basic challenge).
   */
  async refresh(header: string | undefined, scopes: readonly string[]): Promise<boolean> {
    const before = this.#challenge;
    this.setChallenge(header);
    this.#tokens.delete([...scopes].sort().join(' '));
    if (this.#challenge === undefined) return false;
    if (this.#challenge.scheme === 'basic') {
      return before === undefined && (await this.#getCredential())?.kind === 'basic';
    }
    return this.#challenge.scheme === 'bearer';
  }
}

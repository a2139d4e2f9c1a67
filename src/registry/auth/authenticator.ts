// Per-registry authentication state: the challenge the registry gave, the credential
// found for it, and bearer tokens cached by scope set (concurrent fetches merged).
import type { Dispatcher } from 'undici';
import { parseChallenge, type Challenge } from './challenge.js';
import type { Credential } from './credentials.js';
import { realmMayReceiveCredentials } from './realm-credentials.js';
import { RegistryError } from '../../errors/index.js';
import { fetchToken, type Token } from './token.js';

export interface AuthenticatorOptions {
  dispatcher: Dispatcher;
  insecure: boolean;
  userAgent: string;
  /**
   * Looked up once per repository, on first need (config keys with a path may give a
   * repository its own credential); without a repository, the one for the whole registry.
   */
  credential: (repository?: string) => Promise<Credential | undefined>;
  /** The registry's base URL: a token realm on another origin gets credentials only over HTTPS. */
  endpoint: () => Promise<URL>;
  /** Aborts a pending token request (Ctrl-C). */
  signal?: AbortSignal;
}

export interface AuthorizationOptions {
  /** Ask as nobody: no Basic header, a bearer token fetched without credentials. */
  anonymous?: boolean;
}


/**
 * One scope per resource with its actions merged and sorted, in a stable order:
 * `repository:a:pull` + `repository:a:push,pull` → `repository:a:pull,push`.
 */
export function normaliseScopes(scopes: readonly string[]): string[] {
  const actions = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const cut = scope.lastIndexOf(':');
    if (cut <= 0) continue;
    const resource = scope.slice(0, cut);
    const set = actions.get(resource) ?? new Set<string>();
    for (const a of scope.slice(cut + 1).split(',')) if (a !== '') set.add(a);
    actions.set(resource, set);
  }
  return [...actions].map(([resource, set]) => `${resource}:${[...set].sort().join(',')}`).sort();
}

/**
 * The repository a request's credential is for: the one written to (a mount's scopes
 * also read from its source), else the first one named. None for `registry:catalog:*`.
 */
export function credentialRepository(scopes: readonly string[]): string | undefined {
  let first: string | undefined;
  for (const scope of scopes) {
    const m = /^repository:(.+):([^:]*)$/.exec(scope);
    if (m === null) continue;
    if (m[2]!.split(',').includes('push')) return m[1];
    first ??= m[1];
  }
  return first;
}

function scopeKey(scopes: readonly string[], anonymous: boolean): string {
  return `${anonymous ? 'anonymous ' : ''}${normaliseScopes(scopes).join(' ')}`;
}

/** A token service's 401/403 to a request with credentials: they were refused, and this says whose. */
function credentialsRejected(err: unknown, source: string): unknown {
  if (!(err instanceof RegistryError) || (err.status !== 401 && err.status !== 403)) return err;
  let host = 'the token service';
  try {
    host = `token service ${new URL(err.url).host}`;
  } catch {
    // a redacted URL that no longer parses: the generic name will do
  }
  return new RegistryError(`${host} rejected the credentials from ${source} (${err.status})`, {
    method: err.method,
    url: err.url,
    status: err.status,
    hint: `check the user name and password given by ${source}`,
  });
}

export class Authenticator {
  readonly #opts: AuthenticatorOptions;
  #challenge: Challenge | undefined;
  readonly #credentials = new Map<string, Promise<Credential | undefined>>();
  readonly #tokens = new Map<string, Promise<Token>>();
  /** Scope sets the registry asked to widen (pull → pull,push), remembered for later requests. */
  readonly #upgrades = new Map<string, string[]>();
  /** Counts token requests, so callers and tests can see tokens are reused. */
  tokenRequests = 0;
  /** The realm origin credentials were kept from (plain HTTP, another origin), to explain a refusal. */
  withheldFrom: string | undefined;

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
  }

  #getCredential(repository?: string): Promise<Credential | undefined> {
    const key = repository ?? '';
    let pending = this.#credentials.get(key);
    if (pending === undefined) {
      pending = this.#opts.credential(repository);
      this.#credentials.set(key, pending);
    }
    return pending;
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

  /** The credential the chain found for this registry, for a builder that pulls from it. */
  credential(): Promise<Credential | undefined> {
    return this.#getCredential();
  }

  /** The Authorization header for a request needing `scopes`, or undefined for none. */
  async authorization(scopes: readonly string[], opts: AuthorizationOptions = {}): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    const anonymous = opts.anonymous === true;
    const credential = anonymous ? undefined : await this.#getCredential(credentialRepository(scopes));
    if (challenge.scheme === 'basic') {
      if (credential?.kind !== 'basic') return undefined;
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer' || challenge.params.realm === undefined) return undefined;
    const withheld = credential !== undefined && !(await this.#realmMayReceiveCredentials(challenge.params.realm));
    scopes = this.#upgrades.get(scopeKey(scopes, false)) ?? scopes;
    const key = scopeKey(scopes, anonymous || withheld);
    let pending = this.#tokens.get(key);
    if (pending !== undefined) {
      const cached = await pending.catch(() => undefined);
      if (cached === undefined || cached.expiresAt <= Date.now()) pending = undefined;
    }
    if (pending === undefined) {
      this.tokenRequests++;
      const sent = withheld ? undefined : credential;
      pending = fetchToken({
        realm: challenge.params.realm,
        service: challenge.params.service,
        scopes: normaliseScopes(scopes),
        credential: sent,
        dispatcher: this.#opts.dispatcher,
        insecure: this.#opts.insecure,
        userAgent: this.#opts.userAgent,
        ...(this.#opts.signal === undefined ? {} : { signal: this.#opts.signal }),
      }).catch((err: unknown) => {
        throw sent?.source === undefined ? err : credentialsRejected(err, sent.source);
      });
      this.#tokens.set(key, pending);
    }
    return `Bearer ${(await pending).token}`;
  }

  async #realmMayReceiveCredentials(realm: string): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      return true; // fetchToken refuses an invalid realm with its own message
    }
    if (realmMayReceiveCredentials(url, await this.#opts.endpoint())) return true;
    this.withheldFrom = url.origin;
    return false;
  }

  /**
   * After a 401: take the new challenge. When the registry names scopes beyond the
   * request's (an `insufficient_scope` answer to a write with a pull token), widen this
   * scope set for good; otherwise the cached token was refused, so drop it. Returns
   * whether a retry can succeed (not when a Basic challenge finds no credential).
   */
  async refresh(header: string | undefined, scopes: readonly string[], opts: AuthorizationOptions = {}): Promise<boolean> {
    const before = this.#challenge;
    this.setChallenge(header);
    const challenge = this.#challenge;
    if (challenge === undefined) return false;
    if (challenge.scheme === 'basic') {
      return before === undefined && opts.anonymous !== true && (await this.#getCredential(credentialRepository(scopes)))?.kind === 'basic';
    }
    if (challenge.scheme !== 'bearer') return false;
    const base = scopeKey(scopes, false);
    const current = this.#upgrades.get(base) ?? [...scopes];
    const named = parseChallenge(header)?.params.scope?.split(' ').filter(Boolean) ?? [];
    const widened = normaliseScopes([...current, ...named]);
    if (scopeKey(widened, false) !== scopeKey(current, false)) this.#upgrades.set(base, widened);
    else this.#tokens.delete(scopeKey(current, opts.anonymous === true));
    return true;
  }
}

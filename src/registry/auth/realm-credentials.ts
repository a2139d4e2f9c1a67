// Whether a bearer token realm may be sent the credentials (Basic or a refresh token).
import { isLoopbackHost } from '../../ref/reference.js';

/**
 * A registry names its token realm itself, so a hostile or misconfigured one could point
 * it at any URL. Credentials go to the realm over HTTPS; over plain HTTP only to the
 * registry's own origin (it would be sent them the same way), or to a loopback realm
 * of a loopback registry (both on this machine, so nothing crosses a network).
 * A loopback realm of a remote registry gets nothing: it would be some other local
 * service. `--insecure` does not widen this: it is about reaching the registry.
 */
export function realmMayReceiveCredentials(realm: URL, registry: URL): boolean {
  if (realm.protocol === 'https:') return true;
  if (realm.protocol !== 'http:') return false;
  if (realm.origin === registry.origin) return true;
  return isLoopbackHost(realm.host) && isLoopbackHost(registry.host);
}

// Which registries have no catalog to list, and the error that says so. Free of the
// HTTP stack: the browser's screen imports it before any registry is asked.
import { DOCKER_HUB } from '../../ref/reference.js';

/** GHCR's host (as in registry/client/search.ts, which would load the HTTP stack here). */
const GHCR_HOST = 'ghcr.io';

/** The registries known to serve no catalog, and what to say about them. */
export function knownCatalogless(host: string): string | undefined {
  if (host === DOCKER_HUB) return 'Docker Hub offers no catalog';
  if (host === GHCR_HOST) return 'GHCR offers no catalog';
  return undefined;
}

/** A catalog request the registry does not serve, as opposed to one that failed. */
export class CatalogUnsupported extends Error {}

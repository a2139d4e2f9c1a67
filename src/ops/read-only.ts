// --read-only: the browser (or a command) may be opened so that nothing on a registry
// changes; every use case that writes asks here first, before any request.
import { ReadOnlyError } from '../errors/index.js';

/** Throws ReadOnlyError naming what was refused when `readOnly` is set. */
export function refuseWhenReadOnly(readOnly: boolean | undefined, action: string): void {
  if (readOnly === true) throw new ReadOnlyError(`${action}: refused, lazyoci runs with --read-only`, { hint: 'run it without --read-only to change registries' });
}

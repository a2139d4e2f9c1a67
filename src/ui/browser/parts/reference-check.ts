// What the copy / retag prompt accepts: a full reference with a tag, checked with the
// same parser every command uses, and the message shown under the prompt when it is not.
import { LazyOciError } from '../../../errors/index.js';
import { formatReference, parseReference, type Reference } from '../../../ref/reference.js';

export type ReferenceCheck = { ok: true; reference: Reference } | { ok: false; message: string };

export function checkTargetReference(text: string, opts: { requireTag?: boolean; source?: string } = {}): ReferenceCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'type a reference: host/repository:tag' };
  let reference: Reference;
  try {
    reference = parseReference(trimmed);
  } catch (err) {
    if (err instanceof LazyOciError) return { ok: false, message: err.message };
    throw err;
  }
  if ((opts.requireTag ?? true) && reference.tag === undefined) {
    return { ok: false, message: `add a tag: ${formatReference(reference)}:TAG` };
  }
  if (opts.source !== undefined && sameTarget(opts.source, reference)) return { ok: false, message: 'that is the source itself: change the repository or the tag' };
  return { ok: true, reference };
}

function sameTarget(source: string, target: Reference): boolean {
  try {
    const s = parseReference(source);
    return s.registry === target.registry && s.repository === target.repository && s.tag === target.tag && target.digest === undefined;
  } catch {
    return false;
  }
}

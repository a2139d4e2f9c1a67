// Parsing WWW-Authenticate challenges (RFC 7235) as registries send them.

export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/** Parse the first challenge of a header value, e.g. `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const rest = match[2] ?? '';
  const paramRe = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  let m: RegExpExecArray | null;
  while ((m = paramRe.exec(rest)) !== null && m[0].length > 0) {
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    params[m[1]!.toLowerCase()] = value;
  }
  return { scheme, params };
}

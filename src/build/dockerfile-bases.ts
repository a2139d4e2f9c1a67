// The images a Dockerfile pulls (FROM, COPY --from, RUN --mount=from=), so the builder can
// be told how to reach their registries before it starts. A reader, not a full parser:
// it follows line continuations, comments and ARG substitution the way BuildKit does for
// these instructions, and ignores everything else.

/** `scratch` is not an image: nothing is pulled for it. */
const SCRATCH = 'scratch';

/** Docker's rule: a first path component that looks like a host names the registry. */
export function imageRegistryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
  if (!isHost) return 'docker.io';
  const host = first.toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Dockerfile lines with continuations joined and comments (whole lines) dropped. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) continue;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    if (current.trim() !== '') lines.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

/** `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}` against the args in scope. */
function substitute(value: string, args: ReadonlyMap<string, string>): string {
  return value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, op, word, bare) => {
    const name = (braced ?? bare) as string;
    const set = args.get(name);
    if (op === '-') return set === undefined || set === '' ? (word as string) : set;
    if (op === '+') return set === undefined || set === '' ? '' : (word as string);
    return set ?? '';
  });
}

function splitWords(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== '');
}

/**
 * The image references a Dockerfile pulls, after ARG substitution (global ARGs before
 * the first FROM, overridden by build args), in order and without duplicates. Stage
 * names and `scratch` are left out.
 */
export function dockerfileBaseImages(text: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const globalArgs = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  const add = (image: string): void => {
    const lower = image.toLowerCase();
    if (image === '' || lower === SCRATCH || stages.has(lower) || /^\d+$/.test(image) || images.includes(image)) return;
    images.push(image);
  };
  let seenFrom = false;
  for (const line of logicalLines(text)) {
    const [instruction = '', ...words] = splitWords(line);
    switch (instruction.toUpperCase()) {
      case 'ARG':
        if (seenFrom) break;
        for (const word of words) {
          const eq = word.indexOf('=');
          const name = eq < 0 ? word : word.slice(0, eq);
          const fallback = eq < 0 ? undefined : word.slice(eq + 1).replace(/^"(.*)"$/, '$1');
          const value = buildArgs[name] ?? fallback;
          if (value !== undefined) globalArgs.set(name, value);
        }
        break;
      case 'FROM': {
        seenFrom = true;
        const rest = words.filter((w) => !w.startsWith('--'));
        const image = substitute(rest[0] ?? '', globalArgs);
        add(image);
        if (rest[1]?.toUpperCase() === 'AS' && rest[2] !== undefined) stages.add(rest[2].toLowerCase());
        break;
      }
      case 'COPY':
      case 'ADD':
        for (const word of words) if (word.startsWith('--from=')) add(substitute(word.slice(7), globalArgs));
        break;
      case 'RUN':
        for (const word of words) {
          if (!word.startsWith('--mount=')) continue;
          const from = /(?:^|,)from=([^,]+)/.exec(word.slice(8))?.[1];
          if (from !== undefined) add(substitute(from, globalArgs));
        }
        break;
    }
  }
  return images;
}

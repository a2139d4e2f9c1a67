// Finds lazyoci's own package directory (package.json, schemas/) from a module's URL.
// The sources sit at src/<dir>/, the bundled build at dist/: both find the same root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let depth = 0; depth < 4; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lazyoci') return dir;
    dir = dirname(dir);
  }
  throw new Error(`lazyoci's package.json was not found above ${fileURLToPath(moduleUrl)}`);
}

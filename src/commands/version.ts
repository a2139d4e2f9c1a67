// `lazyoci version`: the version, the commit it was built from and the build date, as
// the Go lazyoci prints them. The commit and date are written in by scripts/build.mjs.
import { Command } from 'commander';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';

// esbuild's `define` replaces these names at build time; unbuilt (tsc, vitest) they do not exist.
declare const __LAZYOCI_COMMIT__: string | undefined;
declare const __LAZYOCI_BUILD_DATE__: string | undefined;

export interface VersionInfo {
  version: string;
  commit: string;
  date: string;
}

export function versionInfo(version: string): VersionInfo {
  return {
    version,
    commit: typeof __LAZYOCI_COMMIT__ === 'string' && __LAZYOCI_COMMIT__ !== '' ? __LAZYOCI_COMMIT__ : 'unknown',
    date: typeof __LAZYOCI_BUILD_DATE__ === 'string' && __LAZYOCI_BUILD_DATE__ !== '' ? __LAZYOCI_BUILD_DATE__ : 'unknown',
  };
}

export function versionCommand(io: CommandIO, version: string): Command {
  return new Command('version').description('print the version, the commit it was built from and the build date').action(function (this: Command) {
    const g = globalOptions(this);
    io.stdout(renderOutput(g.output, versionInfo(version), (v) => [`lazyoci ${v.version}`, `commit: ${v.commit}`, `built:  ${v.date}`].join('\n')));
  });
}

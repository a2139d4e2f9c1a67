// Picks the image builder: buildx when a Docker daemon answers, buildah otherwise, or
// what `builder:` names; a missing tool is a BuildError that says what was looked for.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { BuildError } from '../errors/index.js';
import type { ImageBuilder } from './builder.js';
import { BuildahBuilder } from './buildah-builder.js';
import { BuildxBuilder } from './buildx-builder.js';
import { runTool } from './run-tool.js';

export type BuilderChoice = 'auto' | 'buildx' | 'buildah';

export interface SelectBuilderOptions {
  /** How long `docker info` may take before the daemon counts as absent; 3 s by default. */
  dockerTimeoutMs?: number;
  /** Parent dir for the builders' temp dirs. */
  tmpDir?: string;
}

const INSTALL_BUILDAH = 'install buildah (Debian/Ubuntu: apt-get install buildah; Fedora: dnf install buildah)';
const INSTALL_BUILDX = 'install Docker with the buildx plugin (https://docs.docker.com/build/) and start the daemon';

/** The absolute path of an executable file `name` in `env.PATH`, if any. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty or relative PATH entry would make the result depend on the cwd.
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

type Probe = { ok: true; path: string } | { ok: false; why: string };

async function probeBuildx(env: NodeJS.ProcessEnv, timeoutMs: number, needDaemon: boolean): Promise<Probe> {
  const docker = await findOnPath('docker', env);
  if (docker === undefined) return { ok: false, why: 'docker is not on PATH' };
  try {
    await runTool(docker, ['buildx', 'version'], { env, timeoutMs, tailLines: 3 });
  } catch (err) {
    return { ok: false, why: `docker buildx is not available (${firstLine(err)})` };
  }
  if (needDaemon) {
    try {
      await runTool(docker, ['info'], { env, timeoutMs, tailLines: 3 });
    } catch (err) {
      return { ok: false, why: `no Docker daemon answers docker info (${firstLine(err)})` };
    }
  }
  return { ok: true, path: docker };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // runTool puts the tool's own words after the status line; they say more.
  return (lines.length > 1 ? lines[lines.length - 1] : lines[0]) ?? 'failed';
}

/**
 * The builder for `choice`. `auto` prefers buildx when `docker buildx version` works and
 * a daemon answers `docker info` within the timeout, then buildah on PATH.
 */
export async function selectBuilder(
  choice: BuilderChoice,
  env: NodeJS.ProcessEnv,
  opts: SelectBuilderOptions = {},
): Promise<ImageBuilder> {
  const timeoutMs = opts.dockerTimeoutMs ?? 3000;
  const buildah = (path: string): ImageBuilder => new BuildahBuilder({ command: path, env, tmpDir: opts.tmpDir });
  const buildx = (path: string): ImageBuilder => new BuildxBuilder({ command: path, env, tmpDir: opts.tmpDir });

  if (choice === 'buildah') {
    const path = await findOnPath('buildah', env);
    if (path === undefined) {
      throw new BuildError(`builder "buildah" was asked for, but buildah is not on PATH; ${INSTALL_BUILDAH}`);
    }
    return buildah(path);
  }
  if (choice === 'buildx') {
    const probe = await probeBuildx(env, timeoutMs, false);
    if (!probe.ok) {
      throw new BuildError(`builder "buildx" was asked for, but docker buildx cannot be used: ${probe.why}; ${INSTALL_BUILDX}`);
    }
    return buildx(probe.path);
  }

  const probe = await probeBuildx(env, timeoutMs, true);
  if (probe.ok) return buildx(probe.path);
  const buildahPath = await findOnPath('buildah', env);
  if (buildahPath !== undefined) return buildah(buildahPath);
  throw new BuildError(
    `no image builder found: looked for docker buildx with a running daemon (${probe.why}) and for buildah (not on PATH); ` +
      `${INSTALL_BUILDAH}, or ${INSTALL_BUILDX}`,
  );
}

// Builds a Dockerfile with buildah (no daemon needed) into an OCI layout, using a
// private vfs storage under a temp dir so the machine's container store is never touched.
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildError } from '../errors/index.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { BUILT_REF_NAME, builtImageFrom, type BuildRunOptions, type BuiltImage, type ImageBuilder, type ImageBuildRequest } from './builder.js';
import { prepareBuilderRegistries } from './builder-registries.js';
import { buildLogDir, runTool } from './run-tool.js';

export interface BuildahBuilderOptions {
  /** The buildah executable; `buildah` (looked up on PATH) by default. */
  command?: string;
  env?: NodeJS.ProcessEnv;
  /** Parent of the per-build temp dir; the OS temp dir by default. */
  tmpDir?: string;
}

/** Options before the subcommand: where this build's private storage lives. */
export function buildahStorageArgs(workDir: string): string[] {
  return ['--root', join(workDir, 'root'), '--runroot', join(workDir, 'runroot'), '--storage-driver', 'vfs'];
}

/**
 * `buildah build` arguments for one invocation. `into` is `--tag NAME` for a single
 * image or `--manifest NAME` to add the image to a manifest list.
 */
export function buildahBuildArgs(
  req: ImageBuildRequest,
  platform: string | undefined,
  into: { tag: string } | { manifest: string },
  registryArgs: readonly string[] = [],
): string[] {
  const args = ['build', '--isolation', 'chroot', '--format', 'oci', ...registryArgs, '-f', req.dockerfile];
  for (const [key, value] of Object.entries(req.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  if (req.timestamp !== undefined) args.push('--timestamp', String(Math.trunc(req.timestamp)));
  if (platform !== undefined) args.push('--platform', platform);
  if ('tag' in into) args.push('--tag', into.tag);
  else args.push('--manifest', into.manifest);
  args.push(req.context);
  return args;
}

/**
 * buildah refuses to run when DOCKER_CONFIG names a directory without a config.json
 * ("checking authfile"), which is common in CI; keep it only when there is one to use
 * (pulling a private base image).
 */
async function toolEnv(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env.DOCKER_CONFIG === undefined) return env;
  try {
    await access(join(env.DOCKER_CONFIG, 'config.json'));
    return env;
  } catch {
    const { DOCKER_CONFIG: _unused, ...rest } = env;
    return rest;
  }
}

export class BuildahBuilder implements ImageBuilder {
  readonly name = 'buildah' as const;
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #tmpDir: string | undefined;

  constructor(opts: BuildahBuilderOptions = {}) {
    this.#command = opts.command ?? 'buildah';
    this.#env = opts.env;
    this.#tmpDir = opts.tmpDir;
  }

  async build(req: ImageBuildRequest, opts: BuildRunOptions = {}): Promise<BuiltImage> {
    const platforms = req.platforms.map((p) => formatPlatform(parsePlatform(p)));
    const workDir = await mkdtemp(join(this.#tmpDir ?? tmpdir(), 'lazyoci-buildah-'));
    const layoutDir = join(workDir, 'layout');
    try {
      // buildah's oci: transport splits DIR:REF at the first colon.
      if (layoutDir.includes(':')) throw new BuildError(`the temp dir ${layoutDir} contains ":", which buildah cannot write to`);
      const storage = buildahStorageArgs(workDir);
      const baseEnv = this.#env ?? process.env;
      const registryDir = join(workDir, 'registries');
      const registries = await prepareBuilderRegistries({
        dir: registryDir,
        dockerfile: req.dockerfile,
        buildArgs: req.buildArgs,
        env: baseEnv,
        ...(opts.registries === undefined ? {} : { registries: opts.registries }),
        ...(opts.caFile === undefined ? {} : { caFile: opts.caFile }),
      });
      const env = { ...(await toolEnv(baseEnv)), ...registries.env };
      const run = (args: string[], label: string): Promise<unknown> =>
        runTool(this.#command, [...storage, ...args], { env, signal: opts.signal, onLog: opts.onLog, label, logDir: buildLogDir(baseEnv) });
      const dest = `oci:${layoutDir}:${BUILT_REF_NAME}`;

      try {
        if (platforms.length <= 1) {
          await run(buildahBuildArgs(req, platforms[0], { tag: req.tag }, registries.args), 'buildah build');
          await run(['push', '--format', 'oci', '--quiet', req.tag, dest], 'buildah push');
        } else {
          // One platform per invocation, in the order given: a single multi-platform
          // `buildah build` runs them concurrently and lists them in completion order,
          // so the index digest would change from run to run.
          for (const platform of platforms) {
            await run(buildahBuildArgs(req, platform, { manifest: req.tag }, registries.args), `buildah build (${platform})`);
          }
          await run(['manifest', 'push', '--all', '--format', 'oci', '--quiet', req.tag, dest], 'buildah manifest push');
        }
      } finally {
        // The auth file holds credentials: it goes as soon as the builder is done with it.
        await rm(registryDir, { recursive: true, force: true });
      }
      // The vfs store holds full copies of every layer; only the layout is needed now.
      await rm(join(workDir, 'root'), { recursive: true, force: true });
      await rm(join(workDir, 'runroot'), { recursive: true, force: true });
      return await builtImageFrom(workDir, layoutDir, BUILT_REF_NAME);
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }
}

// Builds a Dockerfile with `docker buildx build --output type=oci` into an OCI layout.
// The default `docker` driver cannot export OCI, so builds run on a docker-container
// builder that is created on first use.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BuildError } from '../errors/index.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { BUILT_REF_NAME, builtImageFrom, type BuildRunOptions, type BuiltImage, type ImageBuilder, type ImageBuildRequest } from './builder.js';
import { buildLogDir, runTool } from './run-tool.js';

export const DEFAULT_BUILDX_BUILDER = 'lazyoci';

export interface BuildxBuilderOptions {
  /** The docker executable; `docker` (looked up on PATH) by default. */
  command?: string;
  env?: NodeJS.ProcessEnv;
  /** Name of the docker-container builder to use (created when missing). */
  builderName?: string;
  /** Parent of the per-build temp dir; the OS temp dir by default. */
  tmpDir?: string;
}

/** Buildx parses `--output` as one CSV record, so a field with `,` or `"` is quoted. */
function csvField(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function buildxCreateArgs(builderName: string): string[] {
  return ['buildx', 'create', '--name', builderName, '--driver', 'docker-container'];
}

/** `docker buildx build` arguments writing an OCI layout tarball to `destTar`. */
export function buildxBuildArgs(req: ImageBuildRequest, destTar: string, builderName: string): string[] {
  const args = ['buildx', 'build', '--builder', builderName, '--progress', 'plain', '-f', req.dockerfile];
  if (req.platforms.length > 0) {
    args.push('--platform', req.platforms.map((p) => formatPlatform(parsePlatform(p))).join(','));
  }
  for (const [key, value] of Object.entries(req.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  // BuildKit reads SOURCE_DATE_EPOCH as the build's clock for `created` times.
  if (req.timestamp !== undefined) args.push('--build-arg', `SOURCE_DATE_EPOCH=${Math.trunc(req.timestamp)}`);
  // Provenance attestations (on by default since buildx 0.10) would add unknown/unknown
  // manifests to the index; lazyoci pushes exactly the platforms asked for.
  args.push('--provenance=false');
  args.push('--output', ['type=oci', `dest=${destTar}`, `name=${req.tag}`].map(csvField).join(','));
  args.push(req.context);
  return args;
}

/**
 * Unpacks an OCI layout tarball into `dir`: regular files and directories only, and no
 * entry may land outside `dir`.
 */
export async function extractLayoutTar(tarPath: string, dir: string): Promise<void> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const extract = tar.extract();
  const done = pipeline(createReadStream(tarPath), extract);
  // Awaited after the loop; when the loop throws, its error is the one that matters.
  done.catch(() => undefined);
  for await (const entry of extract) {
    const name = posix.normalize(entry.header.name.replace(/^\.\/+/, ''));
    const target = resolve(root, name);
    if (name.startsWith('../') || name === '..' || posix.isAbsolute(name) || (target !== root && !target.startsWith(root + sep))) {
      throw new BuildError(`the OCI layout tarball from buildx has an entry outside its root: ${entry.header.name}`);
    }
    if (entry.header.type === 'directory') {
      await mkdir(target, { recursive: true });
      entry.resume();
    } else if (entry.header.type === 'file') {
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target));
    } else {
      entry.resume();
    }
  }
  await done;
}

export class BuildxBuilder implements ImageBuilder {
  readonly name = 'buildx' as const;
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #builderName: string;
  readonly #tmpDir: string | undefined;

  constructor(opts: BuildxBuilderOptions = {}) {
    this.#command = opts.command ?? 'docker';
    this.#env = opts.env;
    this.#builderName = opts.builderName ?? DEFAULT_BUILDX_BUILDER;
    this.#tmpDir = opts.tmpDir;
  }

  async build(req: ImageBuildRequest, opts: BuildRunOptions = {}): Promise<BuiltImage> {
    const workDir = await mkdtemp(join(this.#tmpDir ?? tmpdir(), 'lazyoci-buildx-'));
    try {
      const run = (args: string[], label: string): Promise<unknown> =>
        runTool(this.#command, args, { env: this.#env, signal: opts.signal, onLog: opts.onLog, label, logDir: buildLogDir(this.#env ?? process.env) });
      try {
        await runTool(this.#command, ['buildx', 'inspect', this.#builderName], { env: this.#env, signal: opts.signal });
      } catch (err) {
        if (!(err instanceof BuildError)) throw err;
        await run(buildxCreateArgs(this.#builderName), 'docker buildx create');
      }
      const tarPath = join(workDir, 'image.tar');
      await run(buildxBuildArgs(req, tarPath, this.#builderName), 'docker buildx build');
      const layoutDir = join(workDir, 'layout');
      await extractLayoutTar(tarPath, layoutDir);
      await rm(tarPath, { force: true });
      return await builtImageFrom(workDir, layoutDir, BUILT_REF_NAME);
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }
}

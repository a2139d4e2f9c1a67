// skopeo as the independent oracle: read back, copy out and seed registries without
// going through lazyoci's own client. Spawned with execFile (no shell).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SkopeoOptions {
  /** 'skip' for plain HTTP registries or to ignore the certificate; default 'verify'. */
  tls?: 'verify' | 'skip';
  /** "user:password" */
  creds?: string;
  /** directory with the registry's CA as *.crt (e.g. `path.dirname(registry.caFile)`). */
  certDir?: string;
  /** copy only: fail instead of letting skopeo rewrite a manifest. */
  preserveDigests?: boolean;
  /** copy only: copy an index with every platform's image, not just this machine's. */
  all?: boolean;
}

const SKOPEO_TIMEOUT_MS = 60_000;

function run(args: string[]): Promise<Buffer> {
  // An empty auth file keeps the host's docker/podman credentials out of the oracle.
  return withEmptyAuthFile(
    (authFile) =>
      new Promise<Buffer>((resolve, reject) => {
        execFile(
          'skopeo',
          args,
          {
            encoding: 'buffer',
            maxBuffer: 64 * 1024 * 1024,
            timeout: SKOPEO_TIMEOUT_MS,
            env: { ...process.env, REGISTRY_AUTH_FILE: authFile },
          },
          (err, stdout, stderr) => {
            if (!err) {
              resolve(stdout);
              return;
            }
            const hint =
              (err as NodeJS.ErrnoException).code === 'ENOENT'
                ? ' (skopeo is not installed: run `make test`, which installs it)'
                : '';
            const detail = stderr.toString('utf8').trim() || err.message;
            reject(new Error(`skopeo ${redact(args).join(' ')} failed${hint}: ${detail}`));
          },
        );
      }),
  );
}

/** Keep passwords out of error messages: tests scan output for them. */
function redact(args: string[]): string[] {
  return args.map((arg, i) => (i > 0 && /^--(src-|dest-)?creds$/.test(args[i - 1] ?? '') ? '<redacted>' : arg));
}

async function withEmptyAuthFile<T>(fn: (authFile: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-skopeo-'));
  const authFile = path.join(dir, 'auth.json');
  await writeFile(authFile, '{"auths":{}}\n');
  try {
    return await fn(authFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Flags for one side of a registry access; `prefix` is '', 'src-' or 'dest-'. */
function remoteFlags(prefix: '' | 'src-' | 'dest-', opts: SkopeoOptions): string[] {
  const flags: string[] = [];
  if (opts.tls === 'skip') flags.push(`--${prefix}tls-verify=false`);
  if (opts.creds !== undefined) flags.push(`--${prefix}creds`, opts.creds);
  if (opts.certDir !== undefined) flags.push(`--${prefix}cert-dir`, opts.certDir);
  return flags;
}

function dockerRef(ref: string): string {
  return ref.startsWith('docker://') ? ref : `docker://${ref}`;
}

/** The manifest (or index) bytes exactly as the registry serves them. */
export async function inspectRaw(ref: string, opts: SkopeoOptions = {}): Promise<Buffer> {
  return run(['--insecure-policy', 'inspect', '--raw', ...remoteFlags('', opts), dockerRef(ref)]);
}

/** The manifest bytes of `tag` in an OCI image layout, as skopeo reads them. */
export async function inspectLayoutRaw(layoutDir: string, tag: string): Promise<Buffer> {
  return run(['--insecure-policy', 'inspect', '--raw', `oci:${layoutDir}:${tag}`]);
}

/** Copy REF out of the registry into an OCI image layout at layoutDir, tagged `tag`. */
export async function copyToLayout(
  ref: string,
  layoutDir: string,
  tag: string,
  opts: SkopeoOptions = {},
): Promise<void> {
  const flags = remoteFlags('src-', opts);
  if (opts.preserveDigests) flags.push('--preserve-digests');
  if (opts.all) flags.push('--all');
  await run(['--insecure-policy', 'copy', '--quiet', ...flags, dockerRef(ref), `oci:${layoutDir}:${tag}`]);
}

/** Seed a registry from an OCI image layout. Digests are preserved unless told otherwise. */
export async function copyFromLayout(
  layoutDir: string,
  tag: string,
  ref: string,
  opts: SkopeoOptions = {},
): Promise<void> {
  const flags = remoteFlags('dest-', opts);
  if (opts.preserveDigests ?? true) flags.push('--preserve-digests');
  if (opts.all) flags.push('--all');
  await run(['--insecure-policy', 'copy', '--quiet', ...flags, `oci:${layoutDir}:${tag}`, dockerRef(ref)]);
}

/** Tags of a repository ("host/repo", no tag), in the registry's order. */
export async function listTags(repoRef: string, opts: SkopeoOptions = {}): Promise<string[]> {
  const out = await run(['--insecure-policy', 'list-tags', ...remoteFlags('', opts), dockerRef(repoRef)]);
  const parsed = JSON.parse(out.toString('utf8')) as { Tags?: string[] | null };
  return parsed.Tags ?? [];
}

/**
 * Re-hash every blob of an OCI layout; throws when a file's sha256 is not its name.
 * Returns digest → size.
 */
export async function verifyLayoutBlobs(layoutDir: string): Promise<Map<string, number>> {
  const blobDir = path.join(layoutDir, 'blobs', 'sha256');
  const result = new Map<string, number>();
  for (const name of (await readdir(blobDir)).sort()) {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path.join(blobDir, name))) {
      const buf = chunk as Buffer;
      size += buf.length;
      hash.update(buf);
    }
    const actual = hash.digest('hex');
    if (actual !== name) {
      throw new Error(`blob ${path.join(blobDir, name)} has sha256 ${actual}, not the one in its name`);
    }
    result.set(`sha256:${name}`, size);
  }
  return result;
}

/**
 * `skopeo copy SRC DST` between any two transports (`oci:DIR:TAG`, `oci-archive:FILE`,
 * `docker-archive:FILE[:NAME:TAG]`, `docker://…`); remote flags apply to docker:// sides.
 */
export async function skopeoCopy(src: string, dst: string, opts: SkopeoOptions = {}): Promise<void> {
  const flags: string[] = [];
  if (src.startsWith('docker://')) flags.push(...remoteFlags('src-', opts));
  if (dst.startsWith('docker://')) flags.push(...remoteFlags('dest-', opts));
  if (opts.preserveDigests) flags.push('--preserve-digests');
  if (opts.all) flags.push('--all');
  await run(['--insecure-policy', 'copy', '--quiet', ...flags, src, dst]);
}

/** The manifest bytes of any transport reference, e.g. `oci-archive:FILE`. */
export async function inspectRawTransport(ref: string): Promise<Buffer> {
  return run(['--insecure-policy', 'inspect', '--raw', ref]);
}

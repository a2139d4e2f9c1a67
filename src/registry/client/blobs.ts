// Blob existence and upload: POST to open an upload session, then one streamed PUT
// with Content-Length — the form every major registry accepts — or chunks (spec §5).
import type { Readable } from 'node:stream';
import { RegistryError } from '../../errors/index.js';
import type { ContentOpener } from '../../content/store.js';
import type { Descriptor } from '../../oci/types.js';
import { redactUrl } from '../transport/redact.js';
import { isRetryable } from '../transport/retry-policy.js';
import { downloadBlob } from './blob-download.js';
import { header, type RegistryHttp } from './registry-http.js';

export async function blobExists(http: RegistryHttp, repository: string, desc: Descriptor, scopes: readonly string[]): Promise<boolean> {
  const res = await http.send({
    method: 'HEAD',
    url: `/v2/${repository}/blobs/${desc.digest}`,
    scopes,
    expect: [200, 404],
    what: `check blob ${desc.digest}`,
  });
  await res.body.dump();
  return res.statusCode === 200;
}

/** GHCR refuses larger chunks; a registry's OCI-Chunk-Min-Length may ask for more (spec §5). */
export const MAX_CHUNK = 4 << 20;

interface UploadState {
  /** Whether to send PATCH chunks (after a 413, or when the registry names a minimum). */
  chunked: boolean;
  chunkSize: number;
  /** The open chunked session and how much of the blob it holds. */
  session: URL | undefined;
  offset: number;
}

/**
 * Upload one blob. One streamed PUT by default; chunked PATCHes after a 413 or when the
 * registry asks for a minimum chunk length. This function is the retry owner for the
 * whole upload: a broken single-request upload starts again from a new POST with the
 * content reopened; a broken chunked upload asks the registry how much it holds (GET
 * on the session, `Range: 0-N`) and goes on from N+1.
 */
export async function uploadBlob(
  http: RegistryHttp,
  repository: string,
  desc: Descriptor,
  open: ContentOpener,
  scopes: readonly string[],
): Promise<void> {
  const what = `upload blob ${desc.digest} to ${http.registry}/${repository}`;
  const state: UploadState = { chunked: false, chunkSize: MAX_CHUNK, session: undefined, offset: 0 };
  await http.retry.run(
    async () => {
      if (state.session !== undefined) await resumeSession(http, state, scopes, what);
      while (state.session === undefined) {
        const started = await startUpload(http, repository, scopes, what);
        if (started.minChunk !== undefined) {
          state.chunked = true;
          state.chunkSize = Math.max(MAX_CHUNK, started.minChunk);
        }
        if (state.chunked) {
          state.session = started.url;
          state.offset = 0;
          break;
        }
        try {
          await putWhole(http, started.url, desc, open, scopes, what);
          return;
        } catch (err) {
          // Too large for one request (a proxy's body limit, a registry's cap): go chunked
          // on a fresh session, since the refused one may have been closed.
          if (!(err instanceof RegistryError) || err.status !== 413) throw err;
          state.chunked = true;
        }
      }
      await sendChunks(http, state, desc, open, scopes, what);
    },
    {
      ...(http.signal === undefined ? {} : { signal: http.signal }),
      // A chunked session the registry lost or disagrees with is resumed or restarted too.
      retryable: (err) => isRetryable(err) || (state.session !== undefined && err instanceof RegistryError && (err.status === 404 || err.status === 416)),
    },
  );
}

async function startUpload(
  http: RegistryHttp,
  repository: string,
  scopes: readonly string[],
  what: string,
): Promise<{ url: URL; minChunk: number | undefined }> {
  const started = await http.send({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/`,
    scopes,
    headers: { 'content-length': '0' },
    expect: [202],
    what,
    retry: false,
  });
  await started.body.dump();
  const location = header(started, 'location');
  if (location === undefined) {
    throw new RegistryError(`${what}: registry gave no upload location`, { method: 'POST', url: redactUrl(await http.endpoint()), status: 202 });
  }
  const min = Number(header(started, 'oci-chunk-min-length'));
  return { url: await http.resolve(location, what), minChunk: Number.isSafeInteger(min) && min > 0 ? min : undefined };
}

async function putWhole(http: RegistryHttp, session: URL, desc: Descriptor, open: ContentOpener, scopes: readonly string[], what: string): Promise<void> {
  const url = new URL(session);
  url.searchParams.set('digest', desc.digest);
  const done = await http.send({
    method: 'PUT',
    url: url.toString(),
    scopes,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    // One request writes each chunk out before the next is read, so reused-memory
    // chunks are safe here; the chunked path below gathers chunks and takes the stream.
    body: open.transient ?? open,
    expect: [201],
    what,
    retry: false,
  });
  await done.body.dump();
  checkStored(header(done, 'docker-content-digest'), desc, url, what);
}

/** The registry verified `?digest=`; its answer must name the same digest too. */
function checkStored(stored: string | undefined, desc: Descriptor, url: URL, what: string): void {
  if (stored !== undefined && stored !== desc.digest) {
    throw new RegistryError(`${what}: registry stored ${stored}, expected ${desc.digest}`, { method: 'PUT', url: redactUrl(url), status: 201 });
  }
}

/** `Range: 0-N` (some registries write `bytes=0-N`) → N+1 bytes held; `0--1` means none. */
export function heldBytes(range: string | undefined): number | undefined {
  const m = range === undefined ? null : /^(?:bytes=)?0-(-?\d+)$/.exec(range.trim());
  return m === null ? undefined : Math.max(0, Number(m[1]) + 1);
}

/** Ask the registry how much of the session it holds; a lost session means start over. */
async function resumeSession(http: RegistryHttp, state: UploadState, scopes: readonly string[], what: string): Promise<void> {
  const session = state.session!;
  let res: Awaited<ReturnType<RegistryHttp['send']>>;
  try {
    res = await http.send({ method: 'GET', url: session.toString(), scopes, expect: [204], what: `resume ${what}`, retry: false });
  } catch (err) {
    if (err instanceof RegistryError && err.status !== undefined && err.status >= 400 && err.status < 500) {
      state.session = undefined;
      return;
    }
    throw err;
  }
  await res.body.dump();
  const location = header(res, 'location');
  state.session = location === undefined ? session : await http.resolve(location, what);
  state.offset = heldBytes(header(res, 'range')) ?? 0;
}

async function sendChunks(http: RegistryHttp, state: UploadState, desc: Descriptor, open: ContentOpener, scopes: readonly string[], what: string): Promise<void> {
  const source = open();
  try {
    for await (const chunk of chunksOf(source, state.offset, state.chunkSize)) {
      const start = state.offset;
      const res = await http.send({
        method: 'PATCH',
        url: state.session!.toString(),
        scopes,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${start}-${start + chunk.length - 1}`,
          'content-length': String(chunk.length),
        },
        body: chunk,
        expect: [202],
        what,
        retry: false,
      });
      await res.body.dump();
      const location = header(res, 'location');
      if (location !== undefined) state.session = await http.resolve(location, what);
      state.offset = heldBytes(header(res, 'range')) ?? start + chunk.length;
    }
  } finally {
    source.destroy();
  }
  if (state.offset !== desc.size) {
    throw new RegistryError(`${what}: content is ${state.offset} bytes, the descriptor says ${desc.size}`, {
      method: 'PATCH',
      url: redactUrl(state.session!),
    });
  }
  const url = new URL(state.session!);
  url.searchParams.set('digest', desc.digest);
  const done = await http.send({
    method: 'PUT',
    url: url.toString(),
    scopes,
    headers: { 'content-length': '0' },
    expect: [201],
    what,
    retry: false,
  });
  await done.body.dump();
  checkStored(header(done, 'docker-content-digest'), desc, url, what);
  state.session = undefined;
}

/**
 * The stream cut into `size`-byte pieces after skipping `skip` bytes (a resumed upload
 * reopens the content from the start). Holds at most one piece in memory.
 */
export async function* chunksOf(source: Readable, skip: number, size: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let parts: Buffer[] = [];
  let held = 0;
  for await (const data of source) {
    let buf = data as Buffer;
    if (toSkip > 0) {
      if (buf.length <= toSkip) {
        toSkip -= buf.length;
        continue;
      }
      buf = buf.subarray(toSkip);
      toSkip = 0;
    }
    while (buf.length > 0) {
      const take = Math.min(size - held, buf.length);
      parts.push(buf.subarray(0, take));
      held += take;
      buf = buf.subarray(take);
      if (held === size) {
        yield Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/** The blob's bytes, streamed; a connection that breaks off is resumed (blob-download.ts). */
export function fetchBlob(http: RegistryHttp, repository: string, desc: Descriptor, scopes: readonly string[]): Promise<Readable> {
  return downloadBlob(http, repository, desc, scopes);
}

/**
 * Ask the registry to link a blob from another repository on it (`POST …?mount=&from=`).
 * 201 means mounted. A 202 is a registry declining — the blob is not in `from`, or
 * mounting is off — and opens an upload session we cancel; 401/403 (no read access to
 * `from`) and other refusals also mean "upload instead" (spec §5). `scopes` must cover
 * push here and pull on `from` in one token.
 */
export async function mountBlob(
  http: RegistryHttp,
  repository: string,
  desc: Descriptor,
  fromRepository: string,
  scopes: readonly string[],
): Promise<boolean> {
  const what = `mount blob ${desc.digest} from ${http.registry}/${fromRepository} into ${repository}`;
  const query = new URLSearchParams({ mount: desc.digest, from: fromRepository });
  let res: Awaited<ReturnType<RegistryHttp['send']>>;
  try {
    res = await http.send({
      method: 'POST',
      url: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scopes,
      headers: { 'content-length': '0' },
      expect: [201, 202],
      what,
      // Nothing is sent but the question, so asking again is safe.
      retry: true,
    });
  } catch (err) {
    // A refusal is an answer (fall back to upload); a transport or server failure is not.
    if (err instanceof RegistryError && err.status !== undefined && err.status >= 400 && err.status < 500) return false;
    throw err;
  }
  await res.body.dump();
  if (res.statusCode === 201) {
    const stored = header(res, 'docker-content-digest');
    return stored === undefined || stored === desc.digest;
  }
  await cancelUpload(http, header(res, 'location'), scopes, what);
  return false;
}

/** Best effort: an abandoned session would otherwise linger until the registry's purge. */
async function cancelUpload(http: RegistryHttp, location: string | undefined, scopes: readonly string[], what: string): Promise<void> {
  if (location === undefined) return;
  try {
    const url = await http.resolve(location, what);
    const res = await http.send({ method: 'DELETE', url: url.toString(), scopes, expect: [200, 202, 204, 404], what: `cancel ${what}` });
    await res.body.dump();
  } catch {
    // ignored: the upload falls back to a fresh session either way
  }
}

// The one undici dispatcher of a run: keep-alive pools per origin, TLS settings from flags.
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { UsageError } from '../../errors/index.js';

export interface TlsOptions {
  /** Skip TLS verification (and allow plain HTTP to any host). */
  insecure?: boolean;
  /** Extra PEM CA bundle trusted in addition to the system roots. */
  caFile?: string;
}

export async function createDispatcher(opts: TlsOptions): Promise<Agent> {
  let ca: string[] | undefined;
  if (opts.caFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(opts.caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // Node replaces the system roots when `ca` is given, so keep them alongside.
    ca = [...rootCertificates, pem];
  }
  return new Agent({
    keepAliveTimeout: 30_000,
    connect: { rejectUnauthorized: opts.insecure !== true, ...(ca === undefined ? {} : { ca }) },
  });
}

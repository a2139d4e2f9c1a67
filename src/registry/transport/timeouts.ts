// How long a request may wait on the network at each step, and where the user sets it:
// `--timeout SECONDS` for all steps, or LAZYOCI_CONNECT_TIMEOUT / LAZYOCI_HEADERS_TIMEOUT /
// LAZYOCI_BODY_TIMEOUT for one. Without them a silent server held a run for many minutes.
import { UsageError } from '../../errors/index.js';

export interface NetworkTimeouts {
  /** TCP connect and TLS handshake. */
  connectMs: number;
  /**
   * From the request being sent (or the upload stalling) to the response headers. Long
   * enough for a registry to commit a large blob after its PUT.
   */
  headersMs: number;
  /** A response body that brings less than STALL_MIN_BYTES in this long has stalled. */
  bodyMs: number;
}

/** 0 means no limit (undici's convention). */
export const DEFAULT_TIMEOUTS: NetworkTimeouts = { connectMs: 30_000, headersMs: 120_000, bodyMs: 60_000 };

/**
 * A body must bring this much per body-timeout window. An idle timeout alone never ends a
 * body that trickles a byte every few seconds.
 */
export const STALL_MIN_BYTES = 1024;

const ENV: Record<keyof NetworkTimeouts, string> = {
  connectMs: 'LAZYOCI_CONNECT_TIMEOUT',
  headersMs: 'LAZYOCI_HEADERS_TIMEOUT',
  bodyMs: 'LAZYOCI_BODY_TIMEOUT',
};

/** Seconds as given by a user ("30", "0.5"; 0 for no limit) → milliseconds, or undefined if not such a number. */
export function parseSeconds(text: string): number | undefined {
  if (!/^\d+(?:\.\d+)?$/.test(text.trim())) return undefined;
  const ms = Math.round(Number(text) * 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The timeouts for a run: `--timeout` for every step, else each step's variable, else its default. */
export function resolveTimeouts(env: NodeJS.ProcessEnv, flagSeconds?: number): NetworkTimeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(ENV) as (keyof NetworkTimeouts)[]) {
    if (flagSeconds !== undefined) {
      out[key] = Math.round(flagSeconds * 1000);
      continue;
    }
    const value = env[ENV[key]];
    if (value === undefined || value === '') continue;
    const ms = parseSeconds(value);
    if (ms === undefined) throw new UsageError(`${ENV[key]}=${value} is not a number of seconds (0 for no limit)`);
    out[key] = ms;
  }
  return out;
}

/** "60 s", "0.5 s". */
export function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

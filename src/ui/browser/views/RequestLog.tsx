// Every request this session made (the client's onRequest records): method, path,
// status, time and bytes. The records hold no headers, and URLs come redacted; only the
// path is shown, escaped.
import { Box, Text } from 'ink';
import type { RequestRecord } from '../../../registry/transport/request-log.js';
import { formatBytes } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export interface RequestLogProps {
  records: readonly RequestRecord[];
  /** Rows shown: the latest requests. */
  height?: number;
}

/** The host (when not the usual one) and path of a redacted URL. */
export function requestPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function statusColor(r: RequestRecord): string {
  if (r.status === undefined || r.status >= 500) return 'red';
  if (r.status >= 400) return 'yellow';
  if (r.status >= 300) return 'cyan';
  return 'green';
}

export function RequestLog({ records, height = 15 }: RequestLogProps) {
  if (records.length === 0) return <Tint dim>no requests yet</Tint>;
  const shown = records.slice(-height);
  return (
    <Box flexDirection="column">
      <Tint dim>
        {records.length} request{records.length === 1 ? '' : 's'}, {formatBytes(records.reduce((n, r) => n + r.bytes, 0))} received
      </Tint>
      {shown.map((r, i) => (
        <Text key={records.length - shown.length + i} wrap="truncate-end">
          {r.method.padEnd(6)} <Tint color={statusColor(r)}>{r.status === undefined ? 'ERR' : String(r.status)}</Tint> {`${r.ms} ms`.padStart(8)}{' '}
          {formatBytes(r.bytes).padStart(9)} {safe(requestPath(r.url))}
          {r.sentBytes === undefined ? '' : ` ↑${formatBytes(r.sentBytes)}`}
          {r.error === undefined ? '' : ` (${safe(r.error)})`}
        </Text>
      ))}
    </Box>
  );
}

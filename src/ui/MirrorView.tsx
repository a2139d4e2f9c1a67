// The live view of `lazyoci mirror`: a line per finished item (printed once, above the
// live area), the running copies with their bars, and a line of items done of all.
import { Box, Static, Text } from 'ink';
import { formatBytes, shortDigest } from './format.js';
import type { MirrorProgressSnapshot, MirrorRowSnapshot } from './mirror-progress.js';
import { terminalSafe as safe } from './terminal-safe.js';
import { ColorContext, Tint } from './Tint.js';
import { TransferRow } from './TransferRow.js';

/** Running copies beyond this many are summed up in one line. */
const MAX_RUNNING_ROWS = 4;

function FinishedRow({ row }: { row: MirrorRowSnapshot }) {
  const title = safe(`${row.kind} ${row.target}`);
  if (row.state === 'failed') {
    return (
      <Text wrap="truncate-end">
        <Tint color="red">✗</Tint> {title} <Tint color="red">{safe(row.error ?? 'failed')}</Tint>
      </Text>
    );
  }
  const t = row.transfer;
  const moved = row.state === 'skipped' ? 'already there' : `${t.blobs.transferred} blob${t.blobs.transferred === 1 ? '' : 's'} copied, ${formatBytes(t.doneBytes)}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Tint color="green">✓</Tint> {title}
      </Text>
      <Box paddingLeft={2}>
        <Tint dim>
          {safe(shortDigest(row.digest ?? ''))} · {moved}
        </Tint>
      </Box>
    </Box>
  );
}

export interface MirrorViewProps {
  title: string;
  snapshot: MirrorProgressSnapshot;
  color: boolean;
}

export function MirrorView({ title, snapshot: s, color }: MirrorViewProps) {
  const shown = s.running.slice(0, MAX_RUNNING_ROWS);
  const more = s.running.length - shown.length;
  const status =
    s.total === undefined
      ? 'resolving charts and images…'
      : `${s.dryRun ? `${s.total} items resolved, dry run` : `${s.done}/${s.total} items`}${s.failed > 0 ? `, ${s.failed} failed` : ''}${s.stopped === undefined ? '' : ` · ${s.stopped}`}`;
  return (
    <ColorContext.Provider value={color}>
      <Static items={s.finished}>{(row) => <FinishedRow key={row.id} row={row} />}</Static>
      <Box flexDirection="column">
        {shown.map((row) => (
          <TransferRow key={row.id} title={`${row.kind} ${row.target}`} snapshot={row.transfer} verb="copied" showError={false} />
        ))}
        {more > 0 ? <Tint dim>… {more} more copying</Tint> : null}
        <Text wrap="truncate-end">
          <Tint bold>mirror</Tint> → {safe(title)} <Tint dim>{status}</Tint>
        </Text>
      </Box>
    </ColorContext.Provider>
  );
}

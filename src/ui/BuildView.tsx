// The live view of `lazyoci build`: each artifact's row, then a row per target with a
// bar while it uploads and ✓ digest or ✗ error once it is over.
import { Box, Static, Text } from 'ink';
import type { ArtifactSnapshot } from './build-progress.js';
import { buildEntries, splitFinished, type BuildEntry } from './build-view-entries.js';
import { formatBytes, shortDigest } from './format.js';
import { terminalSafe as safe } from './terminal-safe.js';
import { Tint, ColorContext } from './Tint.js';
import { TransferRow } from './TransferRow.js';

/** Waiting targets beyond this many are summed up in one line. */
const MAX_WAITING_ROWS = 3;

function ArtifactRow({ artifact: a }: { artifact: ArtifactSnapshot }) {
  const label = safe(`${a.name} (${a.artifactType})`);
  if (a.state === 'failed') {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          <Tint color="red">✗</Tint> <Tint bold>{label}</Tint> <Tint color="red">packaging failed</Tint>
        </Text>
        <Box paddingLeft={2} flexDirection="column">
          <Text>{safe(a.error ?? '')}</Text>
          {a.hint === undefined ? null : <Tint dim>hint: {safe(a.hint)}</Tint>}
        </Box>
      </Box>
    );
  }
  if (a.state === 'packaging') {
    return (
      <Text wrap="truncate-end">
        <Tint color="yellow">…</Tint> <Tint bold>{label}</Tint> <Tint dim>packaging</Tint>
      </Text>
    );
  }
  if (a.state === 'not-packaged') {
    return (
      <Text wrap="truncate-end">
        <Tint dim>·</Tint> <Tint bold>{label}</Tint> <Tint dim>digest {a.note ?? 'not computed'}</Tint>
      </Text>
    );
  }
  const blobs = a.blobs ?? 0;
  return (
    <Text wrap="truncate-end">
      <Tint color="green">✓</Tint> <Tint bold>{label}</Tint>{' '}
      <Tint dim>
        packaged {blobs} blob{blobs === 1 ? '' : 's'}, {formatBytes(a.size ?? 0)}, {safe(shortDigest(a.digest ?? ''))}
      </Tint>
    </Text>
  );
}

function EntryRow({ entry }: { entry: BuildEntry }) {
  if (entry.kind === 'artifact') return <ArtifactRow artifact={entry.artifact} />;
  const t = entry.target;
  return (
    <Box paddingLeft={2}>
      <TransferRow
        title={`${t.name} → ${t.tags.join(', ')}`}
        snapshot={t}
        verb="uploaded"
        {...(entry.artifact.push ? {} : { note: 'not pushed' })}
      />
    </Box>
  );
}

function LiveRows({ entries }: { entries: BuildEntry[] }) {
  const waiting = entries.filter((e) => e.kind === 'target' && e.artifact.push && e.target.state === 'waiting');
  const hidden = new Set(waiting.slice(MAX_WAITING_ROWS).map((e) => e.key));
  return (
    <Box flexDirection="column">
      {entries
        .filter((e) => !hidden.has(e.key))
        .map((e) => (
          <EntryRow key={e.key} entry={e} />
        ))}
      {hidden.size === 0 ? null : (
        <Box paddingLeft={2}>
          <Tint dim>… {hidden.size} more targets waiting</Tint>
        </Box>
      )}
    </Box>
  );
}

export interface BuildViewProps {
  artifacts: ArtifactSnapshot[];
  color: boolean;
}

export function BuildView({ artifacts, color }: BuildViewProps) {
  const { finished, live } = splitFinished(buildEntries(artifacts));
  return (
    <ColorContext.Provider value={color}>
      <Static items={finished}>{(e) => <EntryRow key={e.key} entry={e} />}</Static>
      <LiveRows entries={live} />
    </ColorContext.Provider>
  );
}

// One transfer as rows: a status line, then its bar and figures while running, or the
// digest and totals once done, or the error once failed.
import { Box, Text } from 'ink';
import { barParts, blobFigures, doneFigures, doneFraction, transferFigures, type TransferVerb } from './progress-text.js';
import { terminalSafe as safe } from './terminal-safe.js';
import { Tint } from './Tint.js';
import type { TransferSnapshot } from './transfer-progress.js';

const ARROWS: Record<TransferVerb, string> = { uploaded: '↑', pulled: '↓', copied: '→' };

function safeTexts(s: TransferSnapshot): TransferSnapshot {
  return {
    ...s,
    ...(s.digest === undefined ? {} : { digest: safe(s.digest) }),
    ...(s.error === undefined ? {} : { error: safe(s.error) }),
    ...(s.hint === undefined ? {} : { hint: safe(s.hint) }),
  };
}

export interface TransferRowProps {
  title: string;
  snapshot: TransferSnapshot;
  verb: TransferVerb;
  /** Shown instead of the state for a transfer that will not run (a dry run). */
  note?: string;
  /**
   * Whether the error gets lines of its own; a command that fails prints its error once
   * below the view, so there only the short reason is shown.
   */
  showError?: boolean;
}

export function TransferRow({ title: rawTitle, snapshot, verb, note, showError = true }: TransferRowProps) {
  // Titles, digests and errors come from registries and files: shown escaped, never obeyed.
  const title = safe(rawTitle);
  const s = safeTexts(snapshot);
  if (note !== undefined || s.state === 'waiting') {
    return (
      <Text wrap="truncate-end">
        <Tint dim>·</Tint> {title} <Tint dim>{note ?? 'waiting'}</Tint>
      </Text>
    );
  }
  if (s.state === 'failed') {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          <Tint color="red">✗</Tint> {title} <Tint color="red">{showError ? 'failed' : (s.error ?? 'failed')}</Tint>
        </Text>
        {showError && s.error !== undefined ? (
          <Box paddingLeft={2} flexDirection="column">
            <Text>{s.error}</Text>
            {s.hint === undefined ? null : <Tint dim>hint: {s.hint}</Tint>}
          </Box>
        ) : null}
      </Box>
    );
  }
  if (s.final || s.state === 'exists') {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          <Tint color="green">✓</Tint> {title}
          {s.state === 'exists' ? <Tint dim> already there; {s.final ? 'tags written' : 'writing tags'}</Tint> : null}
        </Text>
        <Box paddingLeft={2} flexDirection="column">
          <Text wrap="truncate-end">{s.digest ?? ''}</Text>
          <Tint dim>{doneFigures(s, verb)}</Tint>
        </Box>
      </Box>
    );
  }
  const bar = barParts(doneFraction(s));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Tint color="cyan">{ARROWS[verb]}</Tint> {title}
      </Text>
      <Box paddingLeft={2} flexDirection="column">
        <Text wrap="truncate-end">
          <Tint color="cyan">{bar.filled}</Tint>
          <Tint dim>{bar.empty}</Tint> {transferFigures(s)}
        </Text>
        <Text wrap="truncate-end">{blobFigures(s.blobs, verb)}</Text>
      </Box>
    </Box>
  );
}

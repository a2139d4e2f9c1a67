// An image's config and history (inspectImageConfig's result): how it runs, then each
// build step with the layer it made and that layer's size.
import { Box, Text } from 'ink';
import type { ImageConfigSummary } from '../../../ops/image-config.js';
import { formatBytes } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export interface ConfigHistoryProps {
  config: ImageConfigSummary;
  /** History rows shown at most (the latest steps are kept). */
  historyLines?: number;
}

function Field({ name, value }: { name: string; value: string }) {
  if (value === '') return null;
  return (
    <Text wrap="truncate-end">
      <Tint dim>{name.padEnd(12)}</Tint> {safe(value)}
    </Text>
  );
}

export function ConfigHistory({ config: c, historyLines = 30 }: ConfigHistoryProps) {
  const history = c.history.slice(-historyLines);
  return (
    <Box flexDirection="column">
      <Field name="platform" value={c.platform ?? [c.os, c.architecture, c.variant].filter(Boolean).join('/')} />
      <Field name="entrypoint" value={c.entrypoint.length === 0 ? '' : JSON.stringify(c.entrypoint)} />
      <Field name="cmd" value={c.cmd.length === 0 ? '' : JSON.stringify(c.cmd)} />
      <Field name="user" value={c.user ?? ''} />
      <Field name="workdir" value={c.workingDir ?? ''} />
      <Field name="ports" value={c.exposedPorts.join(', ')} />
      <Field name="created" value={c.created ?? ''} />
      {c.env.length === 0 ? null : <Tint bold>env</Tint>}
      {c.env.map((e) => (
        <Text key={e} wrap="truncate-end">
          {'  '}
          {safe(e)}
        </Text>
      ))}
      {Object.keys(c.labels).length === 0 ? null : <Tint bold>labels</Tint>}
      {Object.entries(c.labels).map(([k, v]) => (
        <Text key={k} wrap="truncate-end">
          {'  '}
          {safe(k)}={safe(v)}
        </Text>
      ))}
      <Tint bold>history</Tint>
      {history.length === 0 ? <Tint dim>  none recorded</Tint> : null}
      {history.map((h, i) => (
        <Text key={i} wrap="truncate-end">
          {'  '}
          {h.layer === undefined ? <Tint dim>{'     -    '}</Tint> : `L${String(h.layer.index).padEnd(3)} ${formatBytes(h.layer.size).padStart(9)}`}{' '}
          {safe(h.createdBy ?? h.comment ?? '')}
        </Text>
      ))}
    </Box>
  );
}

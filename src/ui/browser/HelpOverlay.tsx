// `?`: the keys of the focused pane, drawn from the action table.
import { Box, Text } from 'ink';
import { actionsFor } from './actions.js';
import type { PaneId } from './layout.js';
import type { Theme } from './themes.js';

export interface HelpOverlayProps {
  pane: PaneId;
  width: number;
  height: number;
  theme: Theme;
}

const PANE_NAMES: Record<PaneId, string> = { registries: 'Registries', repositories: 'Repositories', tags: 'Tags', details: 'Details' };

export function HelpOverlay({ pane, width, height, theme }: HelpOverlayProps) {
  const actions = actionsFor(pane);
  const rows = Math.max(1, height - 4);
  const columns = Math.min(Math.ceil(actions.length / rows), Math.max(1, Math.floor((width - 4) / 36)));
  const perColumn = Math.ceil(actions.length / columns);
  const colWidth = Math.floor((width - 4) / Math.max(1, columns));
  const cols = Array.from({ length: columns }, (_, i) => actions.slice(i * perColumn, (i + 1) * perColumn));
  return (
    <Box width={width} height={height} flexDirection="column" borderStyle="double" borderColor={theme.plain === true ? undefined : theme.accent} paddingX={1}>
      <Text bold>Keys — {PANE_NAMES[pane]} <Text color={theme.plain === true ? undefined : theme.dim}>(? or Esc closes)</Text></Text>
      <Box>
        {cols.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth}>
            {col.map((a) => (
              <Text key={a.id} wrap="truncate-end">
                <Text color={theme.plain === true ? undefined : theme.accent}>{(a.label ?? a.keys[0]!).padEnd(10)}</Text>
                {a.help}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

// A bordered pane with a title line; the border shows which pane has the keys.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Rect } from './layout.js';
import type { Theme } from './themes.js';

export interface PaneProps {
  rect: Rect;
  title: string;
  /** Right of the title: counts, the filter, loading. */
  info?: string;
  focused: boolean;
  theme: Theme;
  children?: ReactNode;
}

export function Pane({ rect, title, info, focused, theme, children }: PaneProps) {
  const borderColor = theme.plain === true ? undefined : focused ? theme.focus : theme.border;
  return (
    <Box width={rect.width} height={rect.height} flexDirection="column" borderStyle={focused ? 'bold' : 'round'} borderColor={borderColor} overflow="hidden">
      <Box height={1} overflow="hidden">
        <Text bold={focused} color={theme.plain === true ? undefined : focused ? theme.focus : undefined} wrap="truncate-end">
          {title}
          {info === undefined || info === '' ? '' : <Text color={theme.plain === true ? undefined : theme.dim}> {info}</Text>}
        </Text>
      </Box>
      {children}
    </Box>
  );
}

export interface RowProps {
  text: string;
  selected: boolean;
  focused: boolean;
  theme: Theme;
  color?: string | undefined;
}

/** One list row, padded by the caller to the pane's width so the selection bar is full. */
export function Row({ text, selected, focused, theme, color }: RowProps) {
  if (!selected) return <Text color={theme.plain === true ? undefined : color} wrap="truncate-end">{text}</Text>;
  if (theme.plain === true) return <Text inverse={focused} bold wrap="truncate-end">{text}</Text>;
  return (
    <Text backgroundColor={focused ? theme.selectedBg : undefined} color={focused ? theme.selectedFg : theme.accent} bold={focused} wrap="truncate-end">
      {text}
    </Text>
  );
}

// The bottom line: what is being typed, a running task with its progress, the last
// message, and the keys that matter most.
import { Box, Text } from 'ink';
import { formatBytes } from '../format.js';
import type { BrowserState } from './browser-state.js';
import type { Theme } from './themes.js';

export interface StatusBarProps {
  state: BrowserState;
  width: number;
  theme: Theme;
  filter: string;
}

function taskText(task: NonNullable<BrowserState['task']>): string {
  if (task.total === undefined || task.total === 0) return `${task.title} ${formatBytes(task.done)}`;
  const pct = Math.min(100, Math.floor((task.done / task.total) * 100));
  return `${task.title} ${pct}% ${formatBytes(task.done)} / ${formatBytes(task.total)}`;
}

export function StatusBar({ state, width, theme, filter }: StatusBarProps) {
  const c = (color: string): string | undefined => (theme.plain === true ? undefined : color);
  if (state.typing === 'command') {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-start">:{state.command}█</Text>
      </Box>
    );
  }
  if (state.typing === 'filter') {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-start">/{filter}█ <Text color={c(theme.dim)}>Enter keep · Esc clear</Text></Text>
      </Box>
    );
  }
  const hints = '? help  q quit';
  let left: React.ReactNode = null;
  if (state.task !== undefined) {
    left = (
      <Text color={c(theme.accent)} wrap="truncate-end">
        ⟳ {taskText(state.task)} <Text color={c(theme.dim)}>Esc cancels</Text>
      </Text>
    );
  } else if (state.status !== undefined) {
    const tone = state.status.tone;
    left = (
      <Text color={c(tone === 'error' ? theme.error : tone === 'ok' ? theme.ok : theme.dim)} wrap="truncate-end">
        {state.status.text}
      </Text>
    );
  }
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} overflow="hidden">
        {left}
      </Box>
      <Text color={c(theme.dim)}> {hints}</Text>
    </Box>
  );
}

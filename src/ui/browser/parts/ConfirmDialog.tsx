// A yes/no question before something that cannot be undone; the answer is no unless the
// user types y (Enter and Esc say no).
import { Box, Text, useInput } from 'ink';
import { terminalSafe } from '../../terminal-safe.js';
import { DEFAULT_PART_COLORS, type PartColors } from './part-colors.js';

export interface ConfirmDialogProps {
  /** The question, e.g. "Delete localhost:5000/app:v1?" */
  title: string;
  /** What will happen, one line each (the digest, the tags that go with it). */
  details?: readonly string[];
  /** Draw it as dangerous (the error colour). */
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  colors?: PartColors;
  isActive?: boolean;
}

export function ConfirmDialog({ title, details = [], danger = false, onConfirm, onCancel, colors = DEFAULT_PART_COLORS, isActive = true }: ConfirmDialogProps) {
  useInput(
    (input, key) => {
      if (input === 'y' || input === 'Y') onConfirm();
      else if (input === 'n' || input === 'N' || key.escape || key.return) onCancel();
    },
    { isActive },
  );
  const color = danger ? colors.error : colors.accent;
  return (
    <Box flexDirection="column" borderStyle="round" {...(color === undefined ? {} : { borderColor: color })} paddingX={1}>
      <Text bold {...(color === undefined ? {} : { color })}>
        {terminalSafe(title)}
      </Text>
      {details.map((line, i) => (
        <Text key={i}>{terminalSafe(line)}</Text>
      ))}
      <Text>
        <Text bold>y</Text>es / <Text bold>N</Text>o
      </Text>
    </Box>
  );
}

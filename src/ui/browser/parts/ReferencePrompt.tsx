// A one-line prompt for a copy / retag target, prefilled with the source reference and
// checked as it is typed: the problem is shown under it, and Enter does nothing until it is valid.
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import type { Reference } from '../../../ref/reference.js';
import { DEFAULT_PART_COLORS, type PartColors } from './part-colors.js';
import { checkTargetReference } from './reference-check.js';
import { editText, textAtEnd } from './text-edit.js';
import { TextField } from './TextField.js';

export interface ReferencePromptProps {
  /** e.g. "copy to" or "retag as". */
  label: string;
  /** The source reference; the prompt starts with it, cursor at the end. */
  initial: string;
  /** Refuse a target without a tag (a copy destination needs one); default true. */
  requireTag?: boolean;
  onSubmit: (reference: Reference, text: string) => void;
  onCancel: () => void;
  colors?: PartColors;
  /** False while another part has the keyboard. */
  isActive?: boolean;
}

export function ReferencePrompt({ label, initial, requireTag = true, onSubmit, onCancel, colors = DEFAULT_PART_COLORS, isActive = true }: ReferencePromptProps) {
  const [text, setText] = useState(() => textAtEnd(initial));
  // Keys of one chunk (a paste ending in Enter) arrive before React renders: read the latest here.
  const latest = useRef(text);
  const checkOf = (value: string) => checkTargetReference(value, { requireTag, source: initial });
  const check = checkOf(text.value);

  useInput(
    (input, key) => {
      if (key.escape) return onCancel();
      const current = latest.current;
      if (key.return) {
        const now = checkOf(current.value);
        if (now.ok) onSubmit(now.reference, current.value.trim());
        return;
      }
      const next = editText(current, input, key);
      if (next === undefined) return;
      latest.current = next;
      setText(next);
    },
    { isActive },
  );

  return (
    <Box flexDirection="column">
      <Box>
        <Text {...(colors.accent === undefined ? {} : { color: colors.accent })} bold>
          {label}:{' '}
        </Text>
        <TextField state={text} focused={isActive} />
      </Box>
      {check.ok ? (
        <Text {...(colors.muted === undefined ? {} : { color: colors.muted })}>Enter: confirm · Esc: cancel</Text>
      ) : (
        <Text {...(colors.error === undefined ? {} : { color: colors.error })}>✗ {check.message}</Text>
      )}
    </Box>
  );
}

// One line of text with its cursor shown (inverse) while focused; masked for secrets, so a
// password is never drawn, not even its length.
import { Text } from 'ink';
import type { TextState } from './text-edit.js';

export interface TextFieldProps {
  state: TextState;
  focused: boolean;
  mask?: boolean;
  placeholder?: string;
  color?: string;
}

const MASK = '••••••••';

export function TextField({ state, focused, mask = false, placeholder, color }: TextFieldProps) {
  if (mask) {
    const shown = state.value === '' ? (placeholder ?? '') : MASK;
    return (
      <Text {...(color === undefined ? {} : { color })} dimColor={state.value === ''}>
        {shown}
        {focused ? <Text inverse> </Text> : null}
      </Text>
    );
  }
  if (state.value === '' && placeholder !== undefined) {
    return (
      <Text dimColor>
        {focused ? <Text inverse>{placeholder.slice(0, 1) || ' '}</Text> : placeholder.slice(0, 1)}
        {placeholder.slice(1)}
      </Text>
    );
  }
  if (!focused) return <Text {...(color === undefined ? {} : { color })}>{state.value}</Text>;
  const before = state.value.slice(0, state.cursor);
  const at = state.value.slice(state.cursor, state.cursor + 1);
  const after = state.value.slice(state.cursor + 1);
  return (
    <Text {...(color === undefined ? {} : { color })}>
      {before}
      <Text inverse>{at === '' ? ' ' : at}</Text>
      {after}
    </Text>
  );
}

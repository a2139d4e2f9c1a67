// ink's key report as one name the action table can match: `up`, `enter`, `shift-tab`,
// `ctrl-c`, or the character typed.
import type { Key } from 'ink';

export function keyName(input: string, key: Key): string {
  if (key.ctrl && input === 'c') return 'ctrl-c';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input.length === 1) return `ctrl-${input}`;
  return input;
}

const CONTROL_NAMES: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\x7f': 'backspace', '\b': 'backspace', '\x03': 'ctrl-c', '\x1b': 'esc' };

/**
 * The keys in one report. Keys that arrive together (fast typing, a paste, tmux
 * send-keys) come from ink as one string of several characters: each is a key.
 */
export function keyNames(input: string, key: Key): { name: string; input: string }[] {
  const special = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end || key.escape || key.tab || key.return || key.ctrl || key.meta;
  if (special || [...input].length <= 1) return [{ name: keyName(input, key), input }];
  return [...input].map((ch) => ({ name: CONTROL_NAMES[ch] ?? ch, input: ch }));
}

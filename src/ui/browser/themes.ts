// The browser's colour themes. Colours are ink colour names or hex; `NO_COLOR` gives the
// plain theme, which marks focus and selection with inverse video and bold only.

export interface Theme {
  name: string;
  /** Colours off: selection is inverse video, focus is bold. */
  plain?: boolean;
  border: string;
  focus: string;
  accent: string;
  dim: string;
  error: string;
  ok: string;
  selectedBg: string;
  selectedFg: string;
}

export const THEMES: readonly Theme[] = [
  { name: 'default', border: 'gray', focus: 'cyan', accent: 'cyan', dim: 'gray', error: 'red', ok: 'green', selectedBg: 'blue', selectedFg: 'white' },
  { name: 'light', border: 'gray', focus: 'blue', accent: 'blue', dim: 'gray', error: 'red', ok: 'green', selectedBg: '#c6dbef', selectedFg: 'black' },
  { name: 'dracula', border: '#6272a4', focus: '#bd93f9', accent: '#ff79c6', dim: '#6272a4', error: '#ff5555', ok: '#50fa7b', selectedBg: '#44475a', selectedFg: '#f8f8f2' },
  { name: 'solarized', border: '#586e75', focus: '#268bd2', accent: '#2aa198', dim: '#586e75', error: '#dc322f', ok: '#859900', selectedBg: '#073642', selectedFg: '#eee8d5' },
  { name: 'gruvbox', border: '#928374', focus: '#fabd2f', accent: '#fe8019', dim: '#928374', error: '#fb4934', ok: '#b8bb26', selectedBg: '#504945', selectedFg: '#ebdbb2' },
  { name: 'nord', border: '#4c566a', focus: '#88c0d0', accent: '#81a1c1', dim: '#4c566a', error: '#bf616a', ok: '#a3be8c', selectedBg: '#3b4252', selectedFg: '#eceff4' },
];

export const PLAIN_THEME: Theme = { ...THEMES[0]!, name: 'plain', plain: true };

/** NO_COLOR set to anything non-empty turns colour off (no-color.org). */
export function colorDisabled(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

export function themeNamed(name: string | undefined): Theme {
  return THEMES.find((t) => t.name === name) ?? THEMES[0]!;
}

export function nextTheme(current: string): Theme {
  const i = THEMES.findIndex((t) => t.name === current);
  return THEMES[(i + 1) % THEMES.length]!;
}

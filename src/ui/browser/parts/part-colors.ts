// The few colours the browser's dialogs use; the app passes its theme's, or none for NO_COLOR.
export interface PartColors {
  accent?: string;
  error?: string;
  ok?: string;
  muted?: string;
}

export const DEFAULT_PART_COLORS: PartColors = { accent: 'cyan', error: 'red', ok: 'green', muted: 'gray' };

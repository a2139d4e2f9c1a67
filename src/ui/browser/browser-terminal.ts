// What the browser's actions need of the terminal itself, beside ink: writing an escape
// sequence (OSC 52), and lending the screen to a pager (terminal-session.ts implements it).
export interface BrowserTerminal {
  env: NodeJS.ProcessEnv;
  /** Write straight to the terminal, between ink's frames. */
  write(text: string): void;
  /** Leave the alternate screen and raw mode, stop reading keys, ignore Ctrl-C's SIGINT. */
  suspend(): void;
  /** Back to the browser's screen; the next frame is drawn in full. */
  resume(): void;
}

// Key bytes as a terminal sends them, and a writer that lets ink handle each before the
// next (ink flushes a lone ESC on the next tick), for the parts' ink-testing-library tests.
export const KEYS = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  backspace: '\x7f',
  ctrlT: '\x14',
  ctrlU: '\x15',
  ctrlW: '\x17',
  home: '\x1b[H',
  end: '\x1b[F',
} as const;

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 40));

export async function press(stdin: { write: (data: string) => void }, ...keys: string[]): Promise<void> {
  await tick();
  for (const k of keys) {
    stdin.write(k);
    await tick();
  }
}

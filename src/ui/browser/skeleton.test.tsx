import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { BrowserApp } from './BrowserApp.js';
import { foreground, skeletonFrame } from './skeleton.js';
import { fixedServices } from './test-services.js';
import { PLAIN_THEME, themeNamed } from './themes.js';

/** The skeleton as the terminal shows it: each `ESC[row;1H` starts a line; colours dropped. */
function screenOf(frame: string, rows: number): string[] {
  const lines = Array.from({ length: rows }, () => '');
  // eslint-disable-next-line no-control-regex
  for (const m of frame.matchAll(/\x1b\[(\d+);1H([^]*?)(?=\x1b\[\d+;1H|\x1b\[H$)/g)) lines[Number(m[1]) - 1] = m[2]!.replace(/\x1b\[[\d;]*m/g, '');
  return lines;
}

describe('skeletonFrame', () => {
  for (const size of [
    { columns: 100, rows: 30 },
    { columns: 80, rows: 24 },
  ]) {
    it(`draws the borders and titles where ink's first frame has them (${size.columns}×${size.rows})`, () => {
      const skeleton = screenOf(skeletonFrame({ ...size, theme: PLAIN_THEME, depth: 256 }), size.rows);
      const view = render(<BrowserApp services={fixedServices({})} theme="default" noColor readOnly={false} onQuit={() => undefined} size={size} />);
      // eslint-disable-next-line no-control-regex
      const ink = (view.lastFrame() ?? '').replace(/\x1b\[[\d;]*m/g, '').split('\n');
      view.unmount();
      expect(skeleton).toHaveLength(size.rows);
      expect(ink).toHaveLength(size.rows);
      for (let y = 0; y < size.rows; y++) {
        const s = [...skeleton[y]!];
        const k = [...ink[y]!];
        expect(s).toHaveLength(size.columns);
        // Every cell the skeleton draws, ink draws the same; ink adds the panes' contents.
        const drawn = s.map((ch, x) => (ch === ' ' ? ' ' : k[x])).join('');
        expect(drawn, `line ${y + 1}`).toBe(skeleton[y]);
      }
      expect(skeleton[1]).toContain('┏');
      expect(skeleton.join('\n')).toMatch(/1 Registries[^]*3 Tags[^]*2 Repositories[^]*4 Details/);
    });
  }

  it('ends with the cursor at the top left, where ink starts its frame', () => {
    expect(skeletonFrame({ columns: 80, rows: 24, theme: themeNamed('default'), depth: 256 }).endsWith('\x1b[H')).toBe(true);
  });

  it('uses the theme: ink colour names as SGR, hex colours for 256 colours or true colour', () => {
    expect(foreground('cyan', 256)).toBe('\x1b[36m');
    expect(foreground('gray', 256)).toBe('\x1b[90m');
    expect(foreground('#bd93f9', 16_777_216)).toBe('\x1b[38;2;189;147;249m');
    expect(foreground('#bd93f9', 256)).toMatch(/^\x1b\[38;5;\d+m$/);
    const dracula = skeletonFrame({ columns: 80, rows: 24, theme: themeNamed('dracula'), depth: 16_777_216 });
    expect(dracula).toContain('\x1b[38;2;189;147;249m');
    // NO_COLOR: no colour at all, bold only.
    // eslint-disable-next-line no-control-regex
    expect([...skeletonFrame({ columns: 80, rows: 24, theme: PLAIN_THEME, depth: 256 }).matchAll(/\x1b\[([\d;]*)m/g)].map((m) => m[1])).not.toContainEqual(expect.stringMatching(/^(3|9)\d/));
  });
});

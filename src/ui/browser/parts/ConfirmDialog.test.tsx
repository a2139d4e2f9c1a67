import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog.js';
import { KEYS, press } from './keys.test-support.js';

function setup() {
  const answers: string[] = [];
  const r = render(
    <ConfirmDialog
      title="Delete localhost:5000/app:v1?"
      details={['manifest sha256:abc', 'every tag on it goes too', 'hostile \x1b[31mred']}
      danger
      onConfirm={() => answers.push('yes')}
      onCancel={() => answers.push('no')}
      colors={{}}
    />,
  );
  return { ...r, answers };
}

describe('ConfirmDialog', () => {
  it('shows the question, the details and that no is the default', () => {
    const frame = setup().lastFrame()!;
    expect(frame).toContain('Delete localhost:5000/app:v1?');
    expect(frame).toContain('manifest sha256:abc');
    expect(frame).toContain('yes / No');
    // Text from a registry cannot drive the terminal.
    expect(frame).not.toContain('\x1b[31m');
  });

  it('confirms only on y', async () => {
    for (const key of ['y', 'Y']) {
      const d = setup();
      await press(d.stdin, key);
      expect(d.answers).toEqual(['yes']);
    }
  });

  it('says no on n, Enter and Esc, and ignores other keys', async () => {
    for (const key of ['n', 'N', KEYS.enter, KEYS.escape]) {
      const d = setup();
      await press(d.stdin, 'x', ' ', 'd', key);
      expect(d.answers).toEqual(['no']);
    }
  });
});

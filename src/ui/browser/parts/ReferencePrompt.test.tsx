import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Reference } from '../../../ref/reference.js';
import { KEYS, press } from './keys.test-support.js';
import { ReferencePrompt } from './ReferencePrompt.js';

const source = 'localhost:5000/app:v1';

function setup(requireTag?: boolean) {
  const submitted: { reference: Reference; text: string }[] = [];
  let cancelled = 0;
  const r = render(
    <ReferencePrompt
      label="copy to"
      initial={source}
      {...(requireTag === undefined ? {} : { requireTag })}
      onSubmit={(reference, text) => submitted.push({ reference, text })}
      onCancel={() => void cancelled++}
      colors={{}}
    />,
  );
  return { ...r, submitted, cancelled: () => cancelled };
}

describe('ReferencePrompt', () => {
  it('starts with the source, refuses it as its own target, and accepts an edited tag on Enter', async () => {
    const p = setup();
    expect(p.lastFrame()).toContain(`copy to: ${source}`);
    expect(p.lastFrame()).toContain('✗ that is the source itself');
    await press(p.stdin, KEYS.enter);
    expect(p.submitted).toEqual([]);
    await press(p.stdin, KEYS.backspace, '2');
    expect(p.lastFrame()).toContain('copy to: localhost:5000/app:v2');
    expect(p.lastFrame()).toContain('Enter: confirm');
    await press(p.stdin, KEYS.enter);
    expect(p.submitted).toEqual([{ reference: { registry: 'localhost:5000', repository: 'app', tag: 'v2' }, text: 'localhost:5000/app:v2' }]);
  });

  it('shows the parser\'s message inline while the text is invalid, and Enter does nothing', async () => {
    const p = setup();
    await press(p.stdin, KEYS.ctrlU, 'localhost:5000/App:v1');
    expect(p.lastFrame()).toContain('repository component "App" must be lowercase');
    await press(p.stdin, KEYS.enter);
    await press(p.stdin, KEYS.ctrlU, 'localhost:5000/app:bad tag');
    expect(p.lastFrame()).toMatch(/✗ invalid reference/);
    await press(p.stdin, KEYS.enter);
    await press(p.stdin, KEYS.ctrlU);
    expect(p.lastFrame()).toContain('✗ type a reference');
    await press(p.stdin, KEYS.enter);
    expect(p.submitted).toEqual([]);
  });

  it('asks for a tag unless told a bare repository will do', async () => {
    const p = setup();
    await press(p.stdin, KEYS.ctrlU, 'localhost:5000/other');
    expect(p.lastFrame()).toContain('✗ add a tag: localhost:5000/other:TAG');
    const q = setup(false);
    await press(q.stdin, KEYS.ctrlU, 'localhost:5000/other', KEYS.enter);
    expect(q.submitted.map((s) => s.text)).toEqual(['localhost:5000/other']);
  });

  it('takes a pasted line without its newline and waits for Enter (a paste never confirms)', async () => {
    const p = setup();
    await press(p.stdin, KEYS.ctrlU, 'localhost:5000/pasted:v9\r\n');
    expect(p.lastFrame()).toContain('copy to: localhost:5000/pasted:v9\n');
    expect(p.submitted).toEqual([]);
    await press(p.stdin, KEYS.enter);
    expect(p.submitted.map((s) => s.text)).toEqual(['localhost:5000/pasted:v9']);
  });

  it('edits in the middle with the arrows and cancels on Esc without submitting', async () => {
    const p = setup();
    // Cursor before ":v1", then rename app → apps.
    await press(p.stdin, KEYS.left, KEYS.left, KEYS.left, 's');
    expect(p.lastFrame()).toContain('copy to: localhost:5000/apps:v1');
    await press(p.stdin, KEYS.escape);
    expect(p.cancelled()).toBe(1);
    expect(p.submitted).toEqual([]);
  });
});

import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../errors/index.js';
import type { SavedRegistry } from '../../../settings/index.js';
import { KEYS, press } from './keys.test-support.js';
import { registryEntryInput, type RegistryFormValues } from './registry-form-values.js';
import { RegistryForm, type RegistryTestResult } from './RegistryForm.js';

const SECRET = 'pw-form-secret-42';

function setup(opts: { initial?: SavedRegistry; submit?: (v: RegistryFormValues) => Promise<void>; test?: (v: RegistryFormValues) => Promise<RegistryTestResult> } = {}) {
  const submitted: RegistryFormValues[] = [];
  const tested: RegistryFormValues[] = [];
  let cancelled = 0;
  const r = render(
    <RegistryForm
      {...(opts.initial === undefined ? {} : { initial: opts.initial })}
      onSubmit={async (v) => {
        submitted.push(v);
        await opts.submit?.(v);
      }}
      onCancel={() => void cancelled++}
      onTest={async (v) => {
        tested.push(v);
        return (await opts.test?.(v)) ?? { ok: true, status: 200, authenticated: true, message: 'localhost:5000 answers; credentials accepted (basic)' };
      }}
      colors={{}}
    />,
  );
  const frames = (): string => r.frames.join('\n');
  return { ...r, submitted, tested, frames, cancelled: () => cancelled };
}

describe('RegistryForm', () => {
  it('adds a registry: typed fields, masked password, Enter submits the values', async () => {
    const f = setup();
    expect(f.lastFrame()).toContain('Add a registry');
    expect(f.lastFrame()).toMatch(/› Preset\s+‹ Custom ›/);
    await press(f.stdin, KEYS.tab, 'localhost:5000', KEYS.tab, 'home lab', KEYS.tab, 'alice', KEYS.tab, SECRET, KEYS.tab, ' ', KEYS.tab, '/etc/ca.pem');
    const frame = f.lastFrame()!;
    expect(frame).toMatch(/Host\s+localhost:5000/);
    expect(frame).toMatch(/Password\s+••••••••/);
    expect(frame).toContain('[x] allow plain HTTP');
    await press(f.stdin, KEYS.enter);
    expect(f.submitted).toEqual([
      { preset: 'custom', host: 'localhost:5000', label: 'home lab', username: 'alice', password: SECRET, insecure: true, caFile: '/etc/ca.pem' },
    ]);
    // The password was never drawn, in any frame.
    expect(f.frames()).not.toContain(SECRET);
    expect(f.frames()).not.toContain(SECRET.slice(0, 6));
  });

  it('splits keys that arrive in one chunk at their Tabs: the password lands in its masked field', async () => {
    const f = setup();
    // A paste or a fast `tmux send-keys`: ink reports it as one input.
    await press(f.stdin, `\tlocalhost:5000\thome lab\talice\t${SECRET}\r\n`);
    const frame = f.lastFrame()!;
    expect(frame).toMatch(/User\s+alice\s+│/);
    expect(frame).toMatch(/Password\s+••••••••/);
    expect(f.frames()).not.toContain(SECRET.slice(0, 6));
    // The line end in the chunk did not save; Enter does.
    expect(f.submitted).toEqual([]);
    await press(f.stdin, KEYS.enter);
    expect(f.submitted.map((v) => [v.host, v.label, v.username, v.password])).toEqual([['localhost:5000', 'home lab', 'alice', SECRET]]);
  });

  it('walks the presets with ←→: ECR fills its host pattern and user, and Enter is refused until the placeholders are replaced', async () => {
    const f = setup();
    // Custom → Docker Hub → GHCR → Quay → GitLab → ECR
    await press(f.stdin, KEYS.right, KEYS.right);
    expect(f.lastFrame()).toMatch(/Host\s+ghcr\.io/);
    await press(f.stdin, KEYS.right, KEYS.right, KEYS.right);
    expect(f.lastFrame()).toContain('‹ ECR ›');
    expect(f.lastFrame()).toMatch(/Host\s+ACCOUNT\.dkr\.ecr\.REGION\.amazonaws\.com/);
    expect(f.lastFrame()).toMatch(/User\s+AWS/);
    await press(f.stdin, KEYS.enter);
    expect(f.submitted).toEqual([]);
    expect(f.lastFrame()).toContain('✗ replace ACCOUNT and REGION in the host');
    // Enter moved the cursor to the host: retype it, but not as ECR wants it.
    await press(f.stdin, KEYS.ctrlU, '1234.dkr.ecr.eu-west-1.amazonaws.com');
    expect(f.lastFrame()).toContain('✗ an ECR host is ACCOUNT.dkr.ecr.REGION.amazonaws.com, ACCOUNT being 12 digits');
    await press(f.stdin, KEYS.ctrlU, '123456789012.dkr.ecr.eu-west-1.amazonaws.com', KEYS.enter);
    expect(f.lastFrame()).toContain('✗ a user name needs a password or token');
    await press(f.stdin, 'token', KEYS.enter);
    expect(f.submitted.map((v) => [v.preset, v.host, v.username])).toEqual([['ecr', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'AWS']]);
    // Back past Custom the other way: Local, ACR, GAR.
    const g = setup();
    await press(g.stdin, KEYS.left);
    expect(g.lastFrame()).toMatch(/Host\s+localhost:5000/);
    await press(g.stdin, KEYS.left);
    expect(g.lastFrame()).toMatch(/Host\s+NAME\.azurecr\.io/);
    await press(g.stdin, KEYS.left);
    expect(g.lastFrame()).toMatch(/Host\s+REGION-docker\.pkg\.dev/);
    expect(g.lastFrame()).toMatch(/User\s+oauth2accesstoken/);
  });

  it('shows the host\'s and the label\'s problems inline, from the same checks as registry add', async () => {
    const f = setup();
    await press(f.stdin, KEYS.tab, 'not a host', KEYS.tab, 'a.b');
    expect(f.lastFrame()).toContain('✗ "not a host" is not a valid registry host[:port]');
    expect(f.lastFrame()).toContain('✗ "a.b": a label is letters, digits, spaces, _ and -');
    await press(f.stdin, KEYS.enter);
    expect(f.submitted).toEqual([]);
  });

  it('Ctrl-T tests the connection with the typed values and shows the answer; a host problem is shown instead', async () => {
    let answer: (r: RegistryTestResult) => void = () => undefined;
    const f = setup({ test: () => new Promise((resolve) => (answer = resolve)) });
    await press(f.stdin, KEYS.ctrlT);
    expect(f.tested).toEqual([]);
    expect(f.lastFrame()).toContain('✗ the registry host is needed');
    await press(f.stdin, 'localhost:5000', KEYS.tab, KEYS.tab, 'bob', KEYS.tab, SECRET, KEYS.ctrlT);
    expect(f.tested.map((v) => [v.host, v.username, v.password])).toEqual([['localhost:5000', 'bob', SECRET]]);
    expect(f.lastFrame()).toContain('testing localhost:5000…');
    answer({ ok: false, status: 401, authenticated: false, message: 'localhost:5000 answers; the registry rejected the user name or password' });
    await press(f.stdin);
    expect(f.lastFrame()).toContain('✗ localhost:5000 answers; the registry rejected the user name or password');
    expect(f.submitted).toEqual([]);
  });

  it('edits a saved entry: its password is kept when left empty and never shown; a failed save stays open with the reason', async () => {
    const initial: SavedRegistry = { name: 'ghcr.io/my-org', label: 'work', username: 'octo', password: SECRET, caFile: '/ca.pem' };
    const f = setup({ initial, submit: async () => Promise.reject(new UsageError('the label "work" is already ghcr.io\'s; remove that registry or choose another label')) });
    const frame = f.lastFrame()!;
    expect(frame).toContain('Edit registry ghcr.io/my-org');
    expect(frame).toMatch(/› Host\s+ghcr\.io\/my-org/);
    expect(frame).toMatch(/Preset\s+GHCR/);
    await press(f.stdin, KEYS.down, KEYS.down, KEYS.down);
    expect(f.lastFrame()).toContain('saved; leave empty to keep it');
    await press(f.stdin, KEYS.enter);
    expect(f.submitted).toEqual([{ preset: 'ghcr', host: 'ghcr.io/my-org', label: 'work', username: 'octo', password: '', insecure: false, caFile: '/ca.pem' }]);
    expect(registryEntryInput(f.submitted[0]!, initial.name)).toEqual({
      name: 'ghcr.io/my-org',
      label: 'work',
      username: 'octo',
      insecure: false,
      caFile: '/ca.pem',
      replaces: 'ghcr.io/my-org',
    });
    expect(f.lastFrame()).toContain('✗ the label "work" is already ghcr.io\'s');
    expect(f.frames()).not.toContain(SECRET);
  });

  it('Esc cancels without saving', async () => {
    const f = setup();
    await press(f.stdin, KEYS.tab, 'x', KEYS.escape);
    expect(f.cancelled()).toBe(1);
    expect(f.submitted).toEqual([]);
  });
});

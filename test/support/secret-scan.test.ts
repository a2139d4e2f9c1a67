import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFindings, scanRecordedOutput, scanRuns, secretForms, type RecordedRun } from './secret-scan.js';

const PASSWORD = 'pw-0123456789abcdef01234567';
const secrets = [...secretForms('auth password', PASSWORD, 'lazyuser'), ...secretForms('refresh token', 'rt-feedfacecafebeef00112233')];

function run(stdout: string, stderr = ''): RecordedRun {
  return { test: 'a test', args: ['build', '--password', PASSWORD], code: 0, stdout, stderr };
}

describe('secret scan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-scan-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing in clean output, even when the arguments held the password', () => {
    const report = scanRuns([run('pushed 127.0.0.1:5000/x:1\n', 'uploading...\n')], secrets);
    expect(report).toEqual({ runs: 1, bytes: 39, findings: [] });
  });

  it('finds a password, its base64 user:pass form and a refresh token, naming where but not the value', () => {
    const basic = Buffer.from(`lazyuser:${PASSWORD}`).toString('base64');
    const report = scanRuns(
      [run(`error: login failed with ${PASSWORD}`), run('', `Authorization: Basic ${basic}`), run('{"identitytoken":"rt-feedfacecafebeef00112233"}')],
      secrets,
    );
    expect(report.findings.map((f) => [f.secret, f.stream])).toEqual([
      ['auth password', 'stdout'],
      // "lazyuser:" is 9 bytes, so the password's own base64 sits aligned inside the header's.
      ['auth password (base64)', 'stderr'],
      ['auth password (base64 user:pass)', 'stderr'],
      ['refresh token', 'stdout'],
    ]);
    const text = describeFindings(report);
    expect(text).toContain('auth password found in stdout of "a test"');
    expect(text).not.toContain(basic);
  });

  it('reads the run records a directory holds', async () => {
    await writeFile(path.join(dir, 'a.json'), JSON.stringify(run('ok')));
    await writeFile(path.join(dir, 'b.json'), JSON.stringify(run('', `token ${PASSWORD} leaked`)));
    await writeFile(path.join(dir, 'notes.txt'), PASSWORD);
    const report = await scanRecordedOutput(dir, secrets);
    expect(report.runs).toBe(2);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ secret: 'auth password', stream: 'stderr' });
  });
});

// The redaction check over the whole suite: every CLI run's output is recorded to a
// directory, and at the end scanned for every secret the test bed handed out (spec §5).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface KnownSecret {
  /** What the secret is, for the report; never the value itself. */
  name: string;
  value: string;
}

/** One recorded run of the CLI, as test/support/cli.ts writes it. */
export interface RecordedRun {
  test: string;
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface SecretFinding {
  secret: string;
  stream: 'stdout' | 'stderr';
  test: string;
  args: string[];
}

export interface ScanReport {
  runs: number;
  bytes: number;
  findings: SecretFinding[];
}

/** The forms a credential can leak in: itself, and the base64 of `user:pass` a Basic header or docker config carries. */
export function secretForms(name: string, value: string, username?: string): KnownSecret[] {
  const forms: KnownSecret[] = [
    { name, value },
    { name: `${name} (base64)`, value: Buffer.from(value).toString('base64') },
  ];
  if (username !== undefined) forms.push({ name: `${name} (base64 user:pass)`, value: Buffer.from(`${username}:${value}`).toString('base64') });
  return forms.filter((f) => f.value.length >= 8);
}

export function scanRuns(runs: RecordedRun[], secrets: KnownSecret[]): ScanReport {
  const report: ScanReport = { runs: runs.length, bytes: 0, findings: [] };
  for (const run of runs) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = run[stream];
      report.bytes += Buffer.byteLength(text);
      for (const secret of secrets) {
        if (text.includes(secret.value)) report.findings.push({ secret: secret.name, stream, test: run.test, args: run.args });
      }
    }
  }
  return report;
}

/** Read every `*.json` run record under `dir` and scan it. */
export async function scanRecordedOutput(dir: string, secrets: KnownSecret[]): Promise<ScanReport> {
  const runs: RecordedRun[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith('.json')) continue;
    runs.push(JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RecordedRun);
  }
  return scanRuns(runs, secrets);
}

/** One line per finding, with the test and arguments, but never the secret's value. */
export function describeFindings(report: ScanReport): string {
  return report.findings
    .map((f) => `${f.secret} found in ${f.stream} of "${f.test}": lazyoci ${f.args.join(' ')}`)
    .join('\n');
}

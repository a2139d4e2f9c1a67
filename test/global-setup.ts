// vitest globalSetup: one real registry per mode for the whole run, shared with tests
// through `inject('registries')`.
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRegistry, type RegistryInfo, type RunningRegistry } from './support/registry.js';
import { describeFindings, scanRecordedOutput, secretForms, type KnownSecret } from './support/secret-scan.js';

export interface ProvidedRegistries {
  http: RegistryInfo;
  https: RegistryInfo;
  auth: RegistryInfo;
  token: RegistryInfo;
}

declare module 'vitest' {
  export interface ProvidedContext {
    registries: ProvidedRegistries;
    /** Where test/support/cli.ts records every CLI run for the redaction scan. */
    testOutputDir: string;
  }
}

const REQUIRED_TOOLS = ['docker-registry', 'skopeo', 'openssl'];

async function onPath(tool: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      await access(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // try the next PATH entry
    }
  }
  return false;
}

function info(registry: RunningRegistry): RegistryInfo {
  const { stop: _stop, ...data } = registry;
  return data;
}

export default async function setup({ provide }: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const missing: string[] = [];
  for (const tool of REQUIRED_TOOLS) if (!(await onPath(tool))) missing.push(tool);
  if (missing.length > 0) {
    throw new Error(
      `the test bed needs ${missing.join(', ')} on PATH; run \`make test\` (it installs them with scripts/install-deps.sh)`,
    );
  }

  const started = await Promise.allSettled([startRegistry('http'), startRegistry('https'), startRegistry('auth'), startRegistry('token')]);
  const running = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled(running.map((r) => r.stop()));
    throw failure.reason;
  }
  const [http, https, auth, token] = running as [RunningRegistry, RunningRegistry, RunningRegistry, RunningRegistry];
  provide('registries', { http: info(http), https: info(https), auth: info(auth), token: info(token) });
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-test-output-'));
  provide('testOutputDir', outputDir);

  return async () => {
    await Promise.allSettled(running.map((r) => r.stop()));
    const report = await scanRecordedOutput(outputDir, knownSecrets([auth, token]));
    await rm(outputDir, { recursive: true, force: true });
    console.log(`redaction scan: ${report.runs} runs, ${report.bytes} bytes, ${report.findings.length} secrets found`);
    if (report.findings.length > 0) {
      throw new Error(`credentials leaked into CLI output (spec §5):\n${describeFindings(report)}`);
    }
  };
}

/** Every credential the shared registries accept, in the forms it could leak in. */
function knownSecrets(registries: RegistryInfo[]): KnownSecret[] {
  return registries.flatMap((r) => [
    ...(r.password === undefined ? [] : secretForms(`${r.mode} registry password`, r.password, r.username)),
    ...(r.refreshToken === undefined ? [] : secretForms(`${r.mode} registry refresh token`, r.refreshToken)),
  ]);
}

// vitest globalSetup: one real registry per mode for the whole run, shared with tests
// through `inject('registries')`.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRegistry, type RegistryInfo, type RunningRegistry } from './support/registry.js';

export interface ProvidedRegistries {
  http: RegistryInfo;
  https: RegistryInfo;
  auth: RegistryInfo;
  token: RegistryInfo;
}

declare module 'vitest' {
  export interface ProvidedContext {
    registries: ProvidedRegistries;
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

  return async () => {
    await Promise.allSettled(running.map((r) => r.stop()));
  };
}

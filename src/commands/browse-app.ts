// `lazyoci` (no arguments, in a terminal) and `lazyoci browse [HOST[/REPO[:TAG|@DIGEST]]]`:
// the interactive browser, over the same registry client, credentials and settings as
// every other command. ink and React are loaded here, only when it opens.
import { UsageError } from '../errors/index.js';
import { parseReference, type Reference } from '../ref/reference.js';
import { earlyScreen, openEarlyScreen } from '../ui/browser/open-screen.js';
import { createRequestRecorder } from '../ops/browse/request-recorder.js';
import { terminalSafeLines } from '../ui/terminal-safe.js';
import { openRegistryClient, registryOptions, type CommandIO, type GlobalOptions } from './context.js';

export interface BrowserPlace {
  registry: string;
  repository?: string;
  tag?: string;
}

/** Whether the browser can run: keys from a terminal and a terminal to draw on. */
export function isInteractive(stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): boolean {
  return (stdin as { isTTY?: boolean }).isTTY === true && (stdout as { isTTY?: boolean }).isTTY === true;
}

/** `HOST`, `HOST/REPO`, `HOST/REPO:TAG` or `HOST/REPO@DIGEST`, as the browser opens it. */
export function parsePlace(input: string, parseRegistry: (host: string) => string): BrowserPlace {
  const trimmed = input.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
  if (!trimmed.includes('/')) return { registry: parseRegistry(trimmed) };
  let ref: Reference;
  try {
    ref = parseReference(trimmed);
  } catch (err) {
    throw new UsageError(`browse: "${input}" is not HOST[/REPO[:TAG|@DIGEST]] (${(err as Error).message})`);
  }
  const tag = ref.digest ?? ref.tag;
  return { registry: ref.registry, repository: ref.repository, ...(tag === undefined ? {} : { tag }) };
}

/**
 * The browser's view module (ink, React, yoga). yoga's emscripten loader fetch()es the
 * wasm it carries inline as a data: URL when fetch exists, which makes Node load its own
 * fetch stack first (about 50 ms of start-up); with fetch hidden while it loads, the
 * loader decodes the same bytes directly. lazyoci's own requests never use global fetch.
 */
async function loadBrowserView(): Promise<typeof import('../ui/browser/run-browser.js')> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await import('../ui/browser/run-browser.js');
  } finally {
    if (saved !== undefined) Object.defineProperty(globalThis, 'fetch', saved);
  }
}

export interface OpenBrowserOptions {
  place?: BrowserPlace;
  readOnly: boolean;
}

export async function openBrowser(io: CommandIO, version: string, g: GlobalOptions, opts: OpenBrowserOptions): Promise<void> {
  // The skeleton first (already painted for a bare `lazyoci`); until ink takes the
  // terminal over, a failure to load gives it back before the error is reported.
  const early = earlyScreen() ?? (isInteractive(process.stdin, process.stdout) ? openEarlyScreen(io.env) : undefined);
  try {
    await startBrowser(io, version, g, opts);
  } finally {
    early?.restore();
  }
}

async function startBrowser(io: CommandIO, version: string, g: GlobalOptions, opts: OpenBrowserOptions): Promise<void> {
  // ink draws nothing but the last frame when it believes it runs under CI (read when it
  // loads); the user is at a terminal here (checked by the caller), so that guess does not apply.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // The screen first: the HTTP stack loads when the first registry request is made.
  const browser = loadBrowserView();
  const [{ loadSettings, saveSettings }, { createRegistryServices }] = await Promise.all([
    import('../settings/index.js'),
    import('../ops/browse/registry-services.js'),
  ]);
  const settings = await loadSettings(io.env);
  // The Requests tab: every request of the browser's clients, recorded through the client's hook.
  const requests = createRequestRecorder();
  const services = createRegistryServices({
    client: async (current = settings) => {
      const { RegistryClient } = await import('../registry/client/registry-client.js');
      return RegistryClient.create({ ...registryOptions(g, io.env, version, current, opts.place?.registry), onRequest: requests.record });
    },
    connectionOptions: (current) => registryOptions(g, io.env, version, current),
    readOnly: opts.readOnly,
    openClient: (signal, registry) => openRegistryClient(g, io, version, signal, registry, requests.record),
    requests,
    env: io.env,
    cwd: io.cwd,
    settings,
    ...(opts.place === undefined ? {} : { commandLineRegistry: opts.place.registry }),
    ...(g.artifactDir === undefined ? {} : { artifactDir: g.artifactDir }),
    ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
  });
  const { runBrowser } = await browser;
  await runBrowser({
    services,
    ...(opts.place === undefined ? {} : { initial: opts.place }),
    env: io.env,
    theme: settings.theme ?? 'default',
    readOnly: opts.readOnly,
    saveTheme: async (theme) => {
      const current = await loadSettings(io.env);
      await saveSettings(io.env, { ...current, theme });
    },
    onCrash: (exitCode, error) => {
      if (error !== undefined) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        io.stderr(`internal error (a bug in lazyoci, please report it):\n${terminalSafeLines(detail)}\n`);
      }
      process.exit(exitCode);
    },
  });
}

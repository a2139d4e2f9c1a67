// Starts the browser on the terminal and resolves when it is closed. Loaded by dynamic
// import only when the browser opens, so other commands never load ink or React for it.
import { render } from 'ink';
import type { BrowseServices } from '../../ops/browse/browse-services.js';
import { BrowserApp } from './BrowserApp.js';
import type { InitialPlace } from './use-browser.js';
import { startTerminalSession } from './terminal-session.js';
import { colorDisabled } from './themes.js';
import { BrowserMetrics } from './metrics.js';
import { earlyScreen, mouseWanted } from './open-screen.js';

export interface RunBrowserOptions {
  services: BrowseServices;
  initial?: InitialPlace;
  env: NodeJS.ProcessEnv;
  theme: string;
  readOnly: boolean;
  saveTheme: (name: string) => Promise<void>;
  /** Report an error that ended the browser (after the terminal is restored). */
  onCrash: (exitCode: number, error?: unknown) => void;
}

export async function runBrowser(opts: RunBrowserOptions): Promise<void> {
  const metrics = BrowserMetrics.fromEnv(opts.env);
  // The skeleton's screen (open-screen.ts), when it was painted, is taken over as it is.
  const early = earlyScreen();
  early?.handOver();
  const session = startTerminalSession({
    stdin: process.stdin,
    stdout: process.stdout,
    mouse: early?.mouse ?? mouseWanted(opts.env),
    onFatal: opts.onCrash,
    alreadyOpen: early !== undefined,
  });
  if (metrics !== undefined) process.stdin.on('data', () => metrics.keystroke());
  const services = metrics === undefined ? opts.services : metrics.watch(opts.services);
  let quit: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const instance = render(
    <BrowserApp
      services={services}
      {...(opts.initial === undefined ? {} : { initial: opts.initial })}
      theme={opts.theme}
      noColor={colorDisabled(opts.env)}
      readOnly={opts.readOnly}
      saveTheme={opts.saveTheme}
      onQuit={() => quit()}
      mouse={session.mouse}
      terminal={{
        env: opts.env,
        write: (text) => void process.stdout.write(text),
        suspend: () => session.suspend(),
        resume: () => session.resume(),
      }}
    />,
    {
      stdin: session.input,
      stdout: session.output,
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: true,
      ...(metrics === undefined ? {} : { onRender: () => metrics.frame() }),
    },
  );
  // ink draws its last frame again when it unmounts: that must happen in the alternate
  // screen, before it is left, or the frame would be left in the shell's screen.
  session.beforeRestore(() => instance.unmount());
  // Testing knob: LAZYOCI_BROWSER_CRASH_MS throws an uncaught error after that many ms,
  // so the suite can see the terminal restored after a crash.
  const crashMs = opts.env.LAZYOCI_BROWSER_CRASH_MS ?? '';
  if (/^\d+$/.test(crashMs)) {
    setTimeout(() => {
      throw new Error('crash requested by LAZYOCI_BROWSER_CRASH_MS');
    }, Number(crashMs));
  }
  try {
    await Promise.race([closed, instance.waitUntilExit()]);
  } finally {
    instance.unmount();
    session.restore();
    await metrics?.write();
    await services.close().catch(() => undefined);
  }
}

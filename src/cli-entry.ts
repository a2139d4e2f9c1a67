#!/usr/bin/env node
// The executable's first module (dist/cli.js). `lazyoci` with no arguments at a terminal
// opens the browser: its screen is painted here, from a few small modules, before the
// command line, commander and the browser's own modules load (src/cli.ts and on).
// Every other run goes straight on to src/cli.ts.
import { openEarlyScreen } from './ui/browser/open-screen.js';

if (process.argv.length === 2 && process.stdin.isTTY === true && process.stdout.isTTY === true) openEarlyScreen(process.env);
await import('./cli.js');

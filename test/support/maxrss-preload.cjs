// Preloaded with `node -r` into a CLI run: writes the process's peak resident set (KiB)
// to stderr as it exits, so a test can measure memory without /usr/bin/time.
process.on('exit', () => {
  require('node:fs').writeSync(2, `maxrss=${process.resourceUsage().maxRSS}\n`);
});

// Unit tests beside the code, integration/end-to-end tests under test/, all against
// real registries started once by test/global-setup.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default on two cores is one worker; most tests wait on registries and child
    // processes rather than the CPU, so two at once halve the suite's time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});

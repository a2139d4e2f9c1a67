// Prints vitest's JSON results as one plain closing line ("tests: N passed, N failed,
// N skipped") that CI and humans read the same way; exits non-zero on any failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const results = JSON.parse(readFileSync(file, 'utf8'));
const passed = results.numPassedTests ?? 0;
const failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || results.success === false || passed === 0 ? 1 : 0);

import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** Counts the run's test cases by outcome. Pure, so the closing line can be tested. */
export function countOutcomes(states: Iterable<string>): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const state of states) {
    if (state === 'passed') counts.passed += 1;
    else if (state === 'failed') counts.failed += 1;
    else counts.skipped += 1; // skipped, todo, or never reached
  }
  return counts;
}

export function closingLine(counts: { passed: number; failed: number; skipped: number }): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

/**
 * Ends the run with the plain closing line CI tools read in any language
 * ("N passed, N failed, N skipped", alone on its line), after vitest's own summary, whose layout
 * those tools do not know.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const states = testModules.flatMap((module) => [...module.children.allTests()].map((test) => test.result().state));
    const line = closingLine(countOutcomes(states));
    // `npm test` (scripts/run.mjs) prints it last, after the global teardown's own lines
    const file = process.env.SLIPWAY_TEST_CLOSING_LINE_FILE;
    if (file) writeFileSync(file, `${line}\n`);
    else process.stdout.write(`${line}\n`);
  }
}

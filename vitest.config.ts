import { defineConfig } from 'vitest/config';

// The SDK warns that releases after January 2027 need Node 22; Node 20 is this project's local baseline.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * One run, one summary: unit tests, integration tests on DynamoDB Local, template and cdk-nag
 * assertions, and end-to-end tests of the local runtime. The global setup starts DynamoDB Local
 * and the SES emulator once; each test file gets its own table.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/environment.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // A ceiling for a test that hangs, not a measure of speed (the bench measures that): on two
    // busy cores an end-to-end test that settles a whole runtime may take well over 30 seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

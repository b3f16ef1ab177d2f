import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs every suite twice: once on real PostgreSQL (TEST_DATABASE_URL, default the
 * local server's `test` database; each test file gets its own fresh database) and once on
 * embedded PGlite. Suites named `*.pg.test.ts` prove what only a server can (races, SKIP LOCKED,
 * several connections) and run on PostgreSQL only; `*.pglite.test.ts` are about the embedded
 * database's own directory. Pure machine tests need no database and run once.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'machines', include: ['test/machines/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/**/*.test.ts'],
          exclude: ['test/machines/**', 'test/e2e/**', 'test/**/*.pglite.test.ts'],
          env: { JIEFEN_TEST_DB: 'postgres' },
        },
      },
      {
        // Browser journeys in Debian's Chromium, once, against an in-process server on PGlite.
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env: { JIEFEN_TEST_DB: 'pglite' }, testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/machines/**', 'test/e2e/**', 'test/**/*.pg.test.ts'],
          env: { JIEFEN_TEST_DB: 'pglite' },
        },
      },
    ],
  },
});

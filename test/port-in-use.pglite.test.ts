/**
 * A server started while another holds its port (the README walk: `npm start` again with the
 * first one still running) stops with a sentence that says so and what to do, in Chinese, not
 * "an unexpected error" with Node's EADDRINUSE; it exits 1 and leaves its database unlocked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PGLITE_LOCK_FILE } from '../src/db/client.js';
import { SERVER_ARGS } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'jiefen-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says the port is in use, in Chinese, and exits 1', async () => {
  const other: Server = createServer();
  await new Promise<void>((resolve) => other.listen(0, resolve));
  const port = (other.address() as { port: number }).port;
  try {
    const run = spawnSync(process.execPath, SERVER_ARGS, {
      env: { ...process.env, PORT: String(port), PGLITE_DIR: join(dir, 'db'), DATABASE_URL: '', SWEEP_INTERVAL_MS: '0', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toContain(`端口 ${port} 已被占用`);
    expect(run.stderr).not.toContain('意外错误');
    expect(run.status).toBe(1);
    expect(existsSync(join(dir, 'db', PGLITE_LOCK_FILE))).toBe(false);
  } finally {
    other.close();
  }
});

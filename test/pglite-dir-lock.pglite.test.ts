/**
 * A PGlite directory is one process's. Two processes on one directory each keep their own copy in
 * memory and write it back: what the first wrote is lost (the README walk: `npm run import` while
 * `npm start` ran on ./data imported a station the server never saw, and after a restart the
 * server's own earlier station was gone too — journal rows would go the same way, DESIGN §5). A
 * second process is refused, in Chinese, before it opens anything; a lock left by a process that
 * is gone (SIGKILL) is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, PGLITE_LOCK_FILE } from '../src/db/client.js';
import { stations } from '../src/db/schema.js';

const root = mkdtempSync(join(tmpdir(), 'jiefen-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `npm run import -- stations FILE` in another process, on the PGlite directory `dir`. */
function importStations(dir: string) {
  const csv = join(root, '联络站.csv');
  writeFileSync(csv, '站点代码,站点名称,站点类型,所在区县\nHL02,呼兰区兰河街道代表联络站,街道代表联络站,呼兰区\n');
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', 'stations', csv], {
    env: { ...process.env, PGLITE_DIR: dir, DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('one process per PGlite directory', () => {
  it('refuses a second process while the first has the directory open, and nothing is written', async () => {
    const dir = join(root, 'held');
    const held = await openDatabase({ pgliteDir: dir });
    try {
      await held.db.insert(stations).values({ code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
      const second = importStations(dir);
      expect(second.stderr).toContain(`数据目录 ${dir} 正由进程 ${process.pid} 使用`);
      expect(second.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
      expect(second.status).toBe(2);
    } finally {
      await held.close();
    }
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
    const again = await openDatabase({ pgliteDir: dir });
    try {
      expect((await again.db.select({ code: stations.code }).from(stations)).map((s) => s.code)).toEqual(['HL01']);
    } finally {
      await again.close();
    }
  });

  it('takes over the lock of a process that is gone, and gives it up on close', async () => {
    const dir = join(root, 'stale');
    const gone = spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' }).pid!;
    await (await openDatabase({ pgliteDir: dir })).close();
    writeFileSync(join(dir, PGLITE_LOCK_FILE), `${gone}\n`);
    const opened = await openDatabase({ pgliteDir: dir });
    expect(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await opened.close();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
    const third = importStations(dir);
    expect(third.status).toBe(0);
  });

  it('takes over a lock whose pid is now another program (after a crash and a restart: a shell, npm itself)', async () => {
    const dir = join(root, 'reused');
    await (await openDatabase({ pgliteDir: dir })).close();
    // A live process that is not node holds the pid the lock names.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, PGLITE_LOCK_FILE), `${other.pid}\n`);
      const opened = await openDatabase({ pgliteDir: dir });
      expect(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      await opened.close();
    } finally {
      other.kill();
    }
  });
});

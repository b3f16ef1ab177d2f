/**
 * The browser tests' one fixture: a fresh database seeded by the test, the app served in-process by
 * @hono/node-server on a free port, and Debian's headless Chromium driven by playwright-core,
 * pages in Chinese and Shanghai time. Screenshots go to screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import type { Db } from '../../src/db/client.js';
import { authenticate, changeOwnPassword, createUser } from '../../src/engine/directory.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from './db.js';

export const SHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
export const ADMIN_ACTOR: Actor = { id: '00000000-0000-4000-8000-00000000000a', role: 'admin', name: '管理员' };
export const DESKTOP = { width: 1360, height: 900 };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Date inputs and the like in Chinese, as the users see them.
  '--lang=zh-CN',
];

/** A person with a sign-in name `login` whose own password (`<login>-pass-2026`) is already set. */
export async function person(db: Db, name: string, role: string, login: string, extra: Record<string, unknown> = {}) {
  const made = await createUser(db, ADMIN_ACTOR, { name, role, login, password: 'temporary-pass', ...extra });
  const actor = await authenticate(db, made.token);
  await changeOwnPassword(db, actor, { currentPassword: 'temporary-pass', newPassword: `${login}-pass-2026` });
  return actor;
}

export interface BrowserFixture {
  database: TestDatabase;
  origin: string;
  browser: Browser;
  /** A page in a context of its own (a phone's when narrower than 600 px), in Chinese and Shanghai time. */
  newPage(viewport?: { width: number; height: number }, timeoutMs?: number): Promise<Page>;
  /** Through the sign-in form, as a person does; the password defaults to `person()`'s. */
  signIn(page: Page, login: string, password?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh database `seed` fills first, then the server and the browser.
 *
 * @example
 * beforeAll(async () => { fx = await browserFixture(async (db) => { await person(db, '李书记员', 'court', 'lishuji'); }); }, 120_000);
 * afterAll(() => fx?.close());
 */
export async function browserFixture(seed: (db: Db) => Promise<void>): Promise<BrowserFixture> {
  mkdirSync(SHOTS, { recursive: true });
  const database = await freshDatabase();
  let server: ServerType | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    if (server) await new Promise((r) => server!.close(r));
    await database.destroy();
  };
  try {
    await seed(database.db);
    const app = createApp({ db: database.db, log: (msg, extra) => console.error(msg, extra) });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, env: { ...process.env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN:zh' } });
    const b = browser;
    return {
      database,
      origin,
      browser: b,
      async newPage(viewport = DESKTOP, timeoutMs = 20_000) {
        const phone = viewport.width < 600;
        const context = await b.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: phone, hasTouch: phone });
        const page = await context.newPage();
        page.setDefaultTimeout(timeoutMs);
        return page;
      },
      async signIn(page, login, password = `${login}-pass-2026`) {
        await page.goto(`${origin}/login`);
        await page.fill('#f-login', login);
        await page.fill('#f-password', password);
        await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

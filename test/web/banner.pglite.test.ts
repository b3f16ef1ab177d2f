/**
 * `npm start` on a fresh database prints the admin's first web sign-in once, beside the token,
 * and that password signs in to the real server (then must be replaced).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'jiefen-banner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cookieOf(res: Response, name: string): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

describe('the first-start banner', () => {
  it('prints ADMIN LOGIN and ADMIN PASSWORD once, and they sign in', async () => {
    const first = await startServer({ PGLITE_DIR: dir });
    try {
      const out = first.output();
      expect(out).toMatch(/ADMIN TOKEN: jf_/);
      const login = /ADMIN LOGIN: (\S+)/.exec(out)?.[1];
      const password = /ADMIN PASSWORD: (\S+)/.exec(out)?.[1];
      expect(login).toBe('admin');
      expect(password).toMatch(/^\w{4}-\w{4}-\w{4}$/);

      const page = await fetch(`${first.url}/login`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
      const signin = cookieOf(page, 'jf_signin')!;
      const res = await fetch(`${first.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `jf_signin=${signin}` },
        body: new URLSearchParams({ _csrf: csrf, login: login!, password: password!, next: '/' }).toString(),
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/password');
      expect(cookieOf(res, 'jf_session')).toBeTruthy();
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServer({ PGLITE_DIR: dir });
    await second.stop();
    expect(second.output()).not.toMatch(/ADMIN (TOKEN|LOGIN|PASSWORD)/);
  });
});

/**
 * Sign-in limits counted in the database (DESIGN.md §10), on both databases: what is counted is
 * failures. A success lifts a lock its own attempt set: 4 wrong passwords and the right one leave
 * the login open; 19 failures from an address and a success leave the address open.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { createUser, ensureAdmin } from '../../src/engine/directory.js';
import { TooManyAttempts, Unauthenticated } from '../../src/engine/errors.js';
import { signIn, SIGN_IN_LIMITS } from '../../src/engine/signin.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let admin: Actor;
beforeAll(async () => {
  database = await freshDatabase();
  await ensureAdmin(database.db, 'signin-limits-admin-token-0123');
  const [row] = rowsOf<{ id: string }>(await database.db.execute(sql`select id from users where bootstrap`));
  admin = { id: row.id, role: 'admin', name: '系统管理员' };
});
afterAll(async () => database?.destroy());

const attempt = (login: string, password: string, clientAddress: string) => signIn(database.db, { login, password }, { clientAddress }).catch((e) => e);

describe('sign-in limits count failures', () => {
  it('4 wrong passwords, then the right one: the login stays open', async () => {
    await createUser(database.db, admin, { name: '四次', role: 'court', login: 'four-wrong', password: 'right-Password-41' });
    for (let i = 0; i < SIGN_IN_LIMITS.perLogin - 1; i++) expect(await attempt('four-wrong', `wrong-${i}`, '198.51.100.1')).toBeInstanceOf(Unauthenticated);
    expect((await attempt('four-wrong', 'right-Password-41', '198.51.100.1')).actor?.role).toBe('court');
    expect(await attempt('four-wrong', 'wrong-again', '198.51.100.1')).toBeInstanceOf(Unauthenticated);
  });

  it('19 failures from one address, then a success: the address is not locked (it has not failed 20 times)', async () => {
    await createUser(database.db, admin, { name: '同一网络', role: 'court', login: 'same-network', password: 'right-Password-19' });
    const address = '198.51.100.19';
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress - 1; i++) expect(await attempt(`nobody-${i}`, 'whatever-it-is', address)).toBeInstanceOf(Unauthenticated);
    expect((await attempt('same-network', 'right-Password-19', address)).actor?.role).toBe('court');
    // The next attempt is checked (a failure, the 20th), and only the one after it is refused.
    expect(await attempt('nobody-else', 'whatever-it-is', address)).toBeInstanceOf(Unauthenticated);
    const locked = await attempt('same-network', 'right-Password-19', address);
    expect(locked).toBeInstanceOf(TooManyAttempts);
    expect(locked.message).toMatch(/尝试次数过多，请 1[45] 分钟后再试/);
  }, 60_000);
});

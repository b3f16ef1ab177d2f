/**
 * Who a notice tells (DESIGN.md §12, src/engine/notify/notices.ts): every kind of recipient a notice
 * can name — deputies, roles, a station's staff, the case's court authors — in every combination,
 * against a directory with a user of each sort that must or must not be told (switched off, the
 * sender, a deputy not named, another station's staff, a court user who wrote nothing on the case).
 * The expected users are worked out here from the rows, not by the statement under test. And the
 * deputies' look-up reads users_deputy_idx (drizzle/0031), not every user.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntity } from '../../src/engine/apply.js';
import { caseStore } from '../../src/engine/stores.js';
import { authenticate, createDeputy, createStation, createUser, updateUser } from '../../src/engine/directory.js';
import { noticeInsertSql, noticeValues, writeNotice, type Recipients } from '../../src/engine/notify/notices.js';
import { rowsOf } from '../../src/db/client.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN } from '../helpers/actors.js';

let database: TestDatabase;
let caseId: string;
let sender: Actor;
const deputyIds: string[] = [];

interface UserRow {
  id: string;
  role: string;
  deputy_id: string | null;
  station_code: string | null;
  active: boolean;
}

const render = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version } });

beforeAll(async () => {
  database = await freshDatabase();
  const db = database.db;
  await createStation(db, ADMIN, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  await createStation(db, ADMIN, { code: 'NG01', name: '南岗区人大代表联络站', kind: 'street', district: '南岗区' });
  for (const name of ['王丽', '赵刚', '孙敏', '周强']) deputyIds.push((await createDeputy(db, ADMIN, { name, level: 'county', stationCode: 'HL01' })).id);
  // Deputies 0 and 1 have users; 2's user is switched off; 3 has none. A second user of deputy 0.
  for (const [i, name] of [[0, '王丽'], [1, '赵刚'], [2, '孙敏'], [0, '王丽（手机）']] as const) {
    const u = await createUser(db, ADMIN, { name, role: 'deputy', deputyId: deputyIds[i] });
    if (i === 2) await updateUser(db, ADMIN, u.id, { active: false });
  }
  const author = await authenticate(db, (await createUser(db, ADMIN, { name: '李书记员', role: 'court' })).token);
  await createUser(db, ADMIN, { name: '张法官', role: 'court' });
  sender = await authenticate(db, (await createUser(db, ADMIN, { name: '刘庭长', role: 'court' })).token);
  await createUser(db, ADMIN, { name: '陈站员', role: 'station', stationCode: 'HL01' });
  await createUser(db, ADMIN, { name: '吴站员', role: 'station', stationCode: 'NG01' });
  const off = await createUser(db, ADMIN, { name: '郑站员', role: 'station', stationCode: 'HL01' });
  await updateUser(db, ADMIN, off.id, { active: false });
  await createUser(db, ADMIN, { name: '钱委员', role: 'committee' });
  // The case's court authors: whoever wrote an event of it as `court` (here its creation, and the sender's).
  caseId = ((await createEntity({ db }, caseStore, author, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '通知对象', parties: [{ role: 'applicant', name: '甲' }] }, { render })).body as { id: string }).id;
  await createEntity({ db }, caseStore, sender, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '别的案件', parties: [{ role: 'applicant', name: '乙' }] }, { render });
});
afterAll(async () => database?.destroy());

/** Who a notice naming `r`, sent by `except`, tells: worked out from the rows. */
function expected(users: UserRow[], authors: Set<string>, r: Recipients, except: string): string[] {
  return users
    .filter((u) => u.active && u.id !== except)
    .filter(
      (u) =>
        (u.role === 'deputy' && u.deputy_id !== null && (r.deputyIds ?? []).includes(u.deputy_id)) ||
        (r.roles ?? []).includes(u.role) ||
        (r.stationCode !== undefined && u.role === 'station' && u.station_code === r.stationCode) ||
        (r.courtAuthorsOfCase === true && u.role === 'court' && authors.has(u.id)),
    )
    .map((u) => u.id)
    .sort();
}

describe('the recipients of a notice', () => {
  it('are exactly the users each combination of recipient kinds names', async () => {
    const db = database.db;
    const users = rowsOf<UserRow>(await db.execute(sql`select id, role, deputy_id, station_code, active from users`));
    const authors = new Set(rowsOf<{ actor_id: string }>(await db.execute(sql`select actor_id from case_events where case_id = ${caseId} and actor_role = 'court'`)).map((r) => r.actor_id));
    expect(authors.size).toBe(1);
    const kinds: Recipients[] = [
      { deputyIds: [deputyIds[0], deputyIds[2], deputyIds[3]] },
      { roles: ['committee', 'court'] },
      { stationCode: 'HL01' },
      { courtAuthorsOfCase: true },
    ];
    let checked = 0;
    for (let mask = 1; mask < 16; mask++) {
      const recipients: Recipients = Object.assign({}, ...kinds.filter((_, i) => mask & (1 << i)));
      for (const except of [sender.id, users.find((u) => u.deputy_id === deputyIds[0])!.id]) {
        const ref = `combo:${mask}:${except}`;
        await writeNotice(db, { kind: 'deadline_warning', entityType: 'case', entityId: caseId, entityNumber: 'N-1', params: {}, ref, recipients, exceptUserId: except });
        const told = rowsOf<{ user_id: string }>(await db.execute(sql`select user_id from notifications where ref = ${ref} order by user_id`)).map((r) => r.user_id);
        expect(told, `${JSON.stringify(recipients)} except ${except}`).toEqual(expected(users, authors, recipients, except));
        checked++;
      }
    }
    expect(checked).toBe(30);
    // A deputy list naming no one with a user, an empty one, and JSON nulls: no one.
    for (const [i, list] of [[deputyIds[3]], [], [null]].entries()) {
      await writeNotice(db, { kind: 'deadline_warning', entityType: 'case', entityId: caseId, entityNumber: 'N-1', params: {}, ref: `none:${i}`, recipients: { deputyIds: list as string[] } });
    }
    expect(rowsOf(await db.execute(sql`select 1 from notifications where ref like 'none:%'`))).toEqual([]);
  });

  it('naming deputies, reads users_deputy_idx among thousands of users', async () => {
    const db = database.db;
    await db.execute(sql`insert into deputies (name, level, station_code) select '代表' || g, 'county', 'HL01' from generate_series(1, 1500) g`);
    await db.execute(sql`insert into users (name, role, deputy_id, token_hash) select d.name, 'deputy', d.id, 'bulk-' || d.id from deputies d where d.name like '代表%'`);
    await db.execute(sql`insert into users (name, role, token_hash) select '书记员' || g, 'court', 'bulk-court-' || g from generate_series(1, 1500) g`);
    await db.execute(sql`analyze users`);
    const values = noticeValues({ kind: 'session_scheduled', entityType: 'case', entityId: caseId, entityNumber: 'N-1', params: {}, ref: 'seq:9', recipients: { deputyIds: deputyIds.slice(0, 2) }, exceptUserId: sender.id });
    const plan = rowsOf<Record<string, string>>(await db.execute(sql`explain ${noticeInsertSql((name) => sql`${values[name]}`, sql`true`, 'd', false)}`))
      .map((r) => Object.values(r)[0])
      .join('\n');
    expect(plan).toContain('users_deputy_idx');
    expect(plan).not.toMatch(/Seq Scan on users/);
  });
});

/** Directory data and actors for engine tests, made through the engine's own verbs. */
import { createDeputy, createStation, createUser, authenticate } from '../../src/engine/directory.js';
import type { Actor } from '../../src/machines/roles.js';
import type { Db } from '../../src/db/client.js';

export const ADMIN: Actor = { id: '00000000-0000-4000-8000-000000000001', role: 'admin', name: '管理员' };

export async function seedDirectory(db: Db) {
  await createStation(db, ADMIN, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  const deputy = await createDeputy(db, ADMIN, { name: '王丽', level: 'county', stationCode: 'HL01' });
  const court = await authenticate(db, (await createUser(db, ADMIN, { name: '李书记员', role: 'court' })).token);
  return { court, deputyId: deputy.id };
}

/** An ISO instant `days` days before now (negative: after). */
export function daysAgo(days: number, from = Date.now()): string {
  return new Date(from - days * 86_400_000).toISOString();
}

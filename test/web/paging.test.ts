/**
 * A paging link the list cannot read (mistyped, cut short, or kept from an older version in a
 * bookmark) is not the user's input to correct: every web list that takes `?cursor=` shows its
 * first page with a short note, inside the usual frame (the header's unread count included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { signedInPeople, textOf, type WebClient } from '../helpers/web.js';

let w: World;
let people: Record<string, WebClient>;
let hookId = '';

beforeAll(async () => {
  w = await createWorld();
  people = (
    await signedInPeople(w, 'pg', {
      station: { name: '呼兰站 刘', role: 'station', stationCode: 'HL01' },
      committee: { name: '周委员', role: 'committee' },
      admin: { name: '管理员二', role: 'admin' },
    })
  ).people;
  // Something on each first page, and an unread notice for the station's header.
  await w.openCase();
  const sent = await w.call(null, 'POST', '/api/public/submissions', { stationCode: 'HL01', name: '张秀英', phone: '13604517788', counterparty: '李建国', disputeType: '邻里纠纷', description: '楼上漏水两个月。', consent: true });
  expect(sent.status).toBe(201);
  const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] });
  expect(hook.status).toBe(201);
  hookId = hook.body.id;
}, 180_000);
afterAll(() => w?.close());

const NOTE = '翻页链接已失效，已回到第一页。';

describe('a paging link the list cannot read', () => {
  const lists: [who: string, path: () => string, firstPage: string][] = [
    ['station', () => '/cases', '李四'],
    ['station', () => '/cases?state=intake.screening', '李四'],
    ['station', () => '/notifications', '收到群众扫码提交的纠纷'],
    ['station', () => '/notifications?unread=true', '收到群众扫码提交的纠纷'],
    ['station', () => '/stations/HL01/activities', '履职记录'],
    ['committee', () => '/supervisions', '监督事项'],
    ['committee', () => '/audit', '审计日志'],
    ['committee', () => '/access-log', '谁查看了当事人个人信息'],
    ['admin', () => `/admin/webhooks/${hookId}`, '推送记录'],
  ];
  for (const [who, path, firstPage] of lists) {
    for (const cursor of ['abc', 'MjAyNi0wMS0wMQ', '%E4%B8%AD'.repeat(60)]) {
      it(`${who} ${path().split('/').slice(0, 3).join('/')}… ?cursor=${cursor.slice(0, 12)}: the first page, with a note`, async () => {
        const p = path();
        const first = await people[who].get(p);
        expect(first.status).toBe(200);
        expect(textOf(first.text)).not.toContain(NOTE);
        const r = await people[who].get(`${p}${p.includes('?') ? '&' : '?'}cursor=${cursor}`);
        expect(r.status).toBe(200);
        const text = textOf(r.text);
        expect(text).toContain(NOTE);
        expect(text).toContain(firstPage);
        // The very page without the cursor (on /cases that is the home page, to-do list included), and the note.
        const plain = (t: string) => t.replace(NOTE, '').replace(/\s+/g, ' ');
        if (!p.startsWith('/access-log')) expect(plain(text)).toBe(plain(textOf(first.text)));
        if (who === 'station') expect(r.text).toMatch(/data-testid="unread"[^>]*>\d+</);
      });
    }
  }
});

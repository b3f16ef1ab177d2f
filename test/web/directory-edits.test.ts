/**
 * Issue 15 §4 in the web pages, without a browser, on both databases: stations, deputies and
 * station activities are edited (a station or deputy retired, after confirming) by those who may
 * create them; the edit page shows each change with who and when; retired ones say 已停用 in lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, type WebClient } from '../helpers/web.js';

let w: World;
let people: Record<string, WebClient>;

beforeAll(async () => {
  w = await createWorld();
  ({ people } = await signedInPeople(w, 'de', {
    admin: { name: '管理员二', role: 'admin' },
    court: { name: '李书记员', role: 'court' },
    committee: { name: '周委员', role: 'committee' },
    stationHL: { name: '刘站长', role: 'station', stationCode: 'HL01' },
    stationSC: { name: '陈站长', role: 'station', stationCode: 'SC01' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
  }));
});
afterAll(async () => w?.close());

/** The rows of one table, as text, by their data attribute. */
const rowOf = (html: string, attr: string, value: string) => {
  const m = new RegExp(`<tr[^>]*${attr}="${value}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  return m ? textOf(m[1]) : null;
};

const auditRows = async (action: string, id: string) =>
  (await w.call(w.tokens.admin, 'GET', `/api/audit?action=${action}`)).body.items.filter((i: any) => i.target?.id === id);

async function newStation(name = '康金街道联络站') {
  const code = tag('S').slice(0, 10);
  expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code, name, kind: 'street', district: '呼兰区' })).status).toBe(201);
  return code;
}

describe('stations', () => {
  it('the admin edits a station from the list; the edit page shows the change with who and when', async () => {
    const code = await newStation();
    const list = await people.admin.get('/admin/stations');
    expect(list.text).toContain(`href="/admin/stations/${code}/edit"`);
    const form = await people.admin.get(`/admin/stations/${code}/edit`);
    expect(form.status).toBe(200);
    expect(textOf(form.text)).toContain('修改联络站：康金街道联络站');
    expect(form.text).toMatch(/name="name"[^>]*value="康金街道联络站"/);
    const r = await people.admin.post(
      `/admin/stations/${code}/edit`,
      { name: '康金街道人大代表联络站', kind: 'street', district: '呼兰区', hotline: '0451-57301234', address: '', deputiesOnDuty: '王丽 每周三上午' },
      { from: `/admin/stations/${code}/edit` },
    );
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/admin/stations/${code}/edit?ok=updated`);
    const page = await people.admin.get(r.location!);
    const text = textOf(page.text);
    expect(text).toContain('联络站信息已保存');
    // The history: newest first, who and when, each field from → to in words.
    const history = textOf(/<ol class="history"[\s\S]*?<\/ol>/.exec(page.text)![0]);
    expect(history).toMatch(/修改联络站 管理员二（系统管理员） \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(history).toContain('站点名称：康金街道联络站 → 康金街道人大代表联络站');
    expect(history).toContain('热线电话：（空） → 0451-57301234');
    expect(history).toContain('值班代表：（空） → 王丽 每周三上午');
    expect(history).toMatch(/新增联络站[\s\S]*站点类型：街道代表联络站/);
    expect(history.indexOf('修改联络站')).toBeLessThan(history.indexOf('新增联络站'));
    const [row] = await auditRows('station.update', code);
    expect(row).toMatchObject({ actor: { role: 'admin', name: '管理员二' }, detail: { name: { to: '康金街道人大代表联络站' } } });
  });

  it('a refused edit shows the form again with what was typed, and writes nothing', async () => {
    const code = await newStation();
    const r = await people.admin.post(`/admin/stations/${code}/edit`, { name: '', kind: 'street', district: '呼兰区', hotline: '12', address: '', deputiesOnDuty: '' }, { from: `/admin/stations/${code}/edit` });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/name="hotline"[^>]*value="12"/);
    expect(textOf(r.text)).toContain('热线电话');
    expect(await auditRows('station.update', code)).toEqual([]);
  });

  it('retiring asks for confirmation (checked on the server too); a retired station says 已停用 in the list, and can be reactivated', async () => {
    const code = await newStation('永和街道联络站');
    const page = await people.admin.get(`/admin/stations/${code}/edit`);
    expect(page.text).toMatch(/<input type="checkbox" name="_confirmRetire" value="yes" required/);
    const csrf = csrfOf(page.text);
    const unticked = await people.admin.post(`/admin/stations/${code}/active`, { active: 'false' }, { csrf });
    expect(unticked.status).toBe(400);
    expect(textOf(unticked.text)).toContain('请先勾选确认，再停用');
    expect(textOf(unticked.text)).not.toContain('_confirmRetire');
    expect(await auditRows('station.update', code)).toEqual([]);
    expect(rowOf((await people.admin.get('/admin/stations')).text, 'data-station', code)).not.toContain('已停用');

    const ticked = await people.admin.post(`/admin/stations/${code}/active`, { active: 'false', _confirmRetire: 'yes' }, { csrf });
    expect(ticked.status).toBe(303);
    expect(textOf((await people.admin.get(ticked.location!)).text)).toMatch(/联络站已停用[\s\S]*状态：在用 → 已停用/);
    expect(rowOf((await people.admin.get('/admin/stations')).text, 'data-station', code)).toContain('已停用');
    expect((await w.call(w.tokens.court, 'GET', '/api/stations')).body.items.find((s: any) => s.code === code)).toMatchObject({ active: false });

    const back = await people.admin.post(`/admin/stations/${code}/active`, { active: 'true' }, { csrf });
    expect(back.location).toBe(`/admin/stations/${code}/edit?ok=reactivated`);
    expect(rowOf((await people.admin.get('/admin/stations')).text, 'data-station', code)).not.toContain('已停用');
  });

  it('only those who may create a station edit it: others get a Chinese 403 page, and nothing is written', async () => {
    const code = await newStation();
    for (const who of ['court', 'stationHL', 'committee']) {
      const r = await people[who].get(`/admin/stations/${code}/edit`);
      expect(r.status).toBe(403);
      expect(textOf(r.text)).toContain('系统管理员');
    }
    const csrf = csrfOf((await people.court.get('/password')).text);
    const r = await people.court.post(`/admin/stations/${code}/edit`, { name: 'x', kind: 'street', district: 'x' }, { csrf });
    expect(r.status).toBe(403);
    expect((await people.admin.get('/admin/stations/NOPE99/edit')).status).toBe(404);
    expect(await auditRows('station.update', code)).toEqual([]);
  });
});

describe('deputies', () => {
  async function newDeputy(name: string, stationCode = 'SC01') {
    const r = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name, level: 'county', stationCode, phone: '13900002222', confirmDuplicate: true });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }

  it('the admin edits a deputy; the history says the phone changed without showing it', async () => {
    const id = await newDeputy('马红');
    expect((await people.admin.get('/admin/deputies')).text).toContain(`href="/admin/deputies/${id}/edit"`);
    const form = await people.admin.get(`/admin/deputies/${id}/edit`);
    expect(form.text).toMatch(/name="phone"[^>]*value="13900002222"/);
    const r = await people.admin.post(`/admin/deputies/${id}/edit`, { name: '马红', level: 'municipal', stationCode: 'SC01', expertise: '劳动争议、物业服务合同', phone: '0451-57305678' }, { from: `/admin/deputies/${id}/edit` });
    expect(r.status).toBe(303);
    const history = textOf(/<ol class="history"[\s\S]*?<\/ol>/.exec((await people.admin.get(r.location!)).text)![0]);
    expect(history).toContain('代表层级：区（县）人大代表 → 市人大代表');
    expect(history).toContain('专业领域：（空） → 劳动争议、物业服务合同');
    expect(history).toContain('联系电话：已修改');
    expect(history).not.toMatch(/13900002222|57305678/);
  });

  it('renaming a deputy to the name of another at the station asks for confirmation first', async () => {
    await newDeputy('高峰');
    const id = await newDeputy('高山');
    const body = { name: '高峰', level: 'county', stationCode: 'SC01', expertise: '', phone: '13900002222' };
    const asked = await people.admin.post(`/admin/deputies/${id}/edit`, body, { from: `/admin/deputies/${id}/edit` });
    expect(asked.status).toBe(409);
    expect(asked.text).toContain('name="confirmDuplicate"');
    expect(textOf(asked.text)).toContain('该联络站已有同名的在任代表');
    expect(textOf(asked.text)).not.toContain('confirmDuplicate');
    expect(await auditRows('deputy.update', id)).toEqual([]);
    const confirmed = await people.admin.post(`/admin/deputies/${id}/edit`, { ...body, confirmDuplicate: 'yes' }, { from: `/admin/deputies/${id}/edit` });
    expect(confirmed.status).toBe(303);
    expect(await auditRows('deputy.update', id)).toHaveLength(1);
  });

  it('a retired deputy says 已停用 in the list, after confirming', async () => {
    const id = await newDeputy('钱进');
    const csrf = csrfOf((await people.admin.get(`/admin/deputies/${id}/edit`)).text);
    expect((await people.admin.post(`/admin/deputies/${id}/active`, { active: 'false' }, { csrf })).status).toBe(400);
    expect(rowOf((await people.admin.get('/admin/deputies')).text, 'data-deputy', id)).not.toContain('已停用');
    const r = await people.admin.post(`/admin/deputies/${id}/active`, { active: 'false', _confirmRetire: 'yes' }, { csrf });
    expect(r.location).toBe(`/admin/deputies/${id}/edit?ok=retired`);
    expect(rowOf((await people.admin.get('/admin/deputies')).text, 'data-deputy', id)).toContain('已停用');
    expect((await people.court.get(`/admin/deputies/${id}/edit`)).status).toBe(403);
  });
});

describe('station activities', () => {
  async function newActivity(stationCode: string, token: string) {
    const r = await w.call(token, 'POST', `/api/stations/${stationCode}/activities`, { date: '2026-11-02', theme: '代表接待日', content: '接待选民三人', deputyIds: [], votersReceived: 3 });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }

  it("station staff edit their own station's record from the register; the history shows who and what", async () => {
    const id = await newActivity('HL01', w.tokens.stationHL);
    const register = await people.stationHL.get('/stations/HL01/activities');
    expect(register.text).toContain(`href="/stations/HL01/activities/${id}/edit"`);
    const form = await people.stationHL.get(`/stations/HL01/activities/${id}/edit`);
    expect(form.status).toBe(200);
    expect(textOf(form.text)).toContain('修改履职记录：2026-11-02 代表接待日');
    const r = await people.stationHL.post(
      `/stations/HL01/activities/${id}/edit`,
      { date: '2026-11-02', theme: '代表接待日（补记）', content: '接待选民五人，反映物业问题', deputyIds: [w.deputies.a], votersReceived: '5' },
      { from: `/stations/HL01/activities/${id}/edit` },
    );
    expect(r.status).toBe(303);
    const page = textOf((await people.stationHL.get(r.location!)).text);
    expect(page).toContain('履职记录已保存');
    expect(page).toMatch(/修改履职记录 刘站长（联络站工作人员） \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(page).toContain('活动主题：代表接待日 → 代表接待日（补记）');
    expect(page).toContain('活动内容：已修改');
    expect(page).toContain('进站代表：（空） → 王丽');
    expect(page).toContain('接待选民人次：3 → 5');
    // Court staff may edit any station's record too.
    expect((await people.court.get(`/stations/HL01/activities/${id}/edit`)).status).toBe(200);
  });

  it("another station's staff, a deputy and the committee may not edit it; a refused edit keeps what was typed", async () => {
    const id = await newActivity('HL01', w.tokens.stationHL);
    expect((await people.stationSC.get(`/stations/HL01/activities/${id}/edit`)).status).toBe(403);
    expect((await people.deputy.get(`/stations/HL01/activities/${id}/edit`)).status).toBe(403);
    expect((await people.committee.get(`/stations/HL01/activities/${id}/edit`)).status).toBe(403);
    expect((await people.deputy.get('/stations/HL01/activities')).text).not.toContain('/edit"');
    // Under the wrong station: not found.
    expect((await people.court.get(`/stations/SC01/activities/${id}/edit`)).status).toBe(404);
    const bad = await people.stationHL.post(`/stations/HL01/activities/${id}/edit`, { date: '2099-01-01', theme: '改过的主题', content: 'x', votersReceived: '1' }, { from: `/stations/HL01/activities/${id}/edit` });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/name="theme"[^>]*value="改过的主题"/);
    expect(await auditRows('activity.update', id)).toEqual([]);
  });
});

describe('the admin frame', () => {
  it('the users, webhooks and stations pages are a list beside its form', async () => {
    for (const path of ['/admin/users', '/admin/webhooks', '/admin/stations', '/admin/deputies']) {
      const page = await people.admin.get(path);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<div class="columns"><div class="col-main">[\s\S]*<div class="col-side"><section class="card">[\s\S]*<form method="post"/);
    }
  });
});

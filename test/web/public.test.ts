/**
 * The citizen's pages without a browser (the Chromium journey is test/e2e/citizen.test.ts): a
 * stored submission is answered by a redirect to its receipt page, which a reload shows again
 * without storing anything; every refusal on `/s/:code` and `/status` is a page in plain Chinese
 * with its status and stores nothing; and who may open the station card and the queue pages.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { rowsOf } from '../../src/db/client.js';
import { createWorld, type World } from '../helpers/world.js';
import { signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
let app: App;
const people: Record<string, WebClient> = {};
let ip = 0;

async function count(): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from submissions`));
  return row.n;
}

function form(fields: Record<string, string>) {
  return new URLSearchParams(fields);
}

const good = (overrides: Record<string, string> = {}) => ({
  name: '张秀英',
  phone: '13604517788',
  counterparty: '李建国',
  disputeType: '邻里纠纷',
  description: '楼上漏水两个月。',
  consent: 'yes',
  website: '',
  ...overrides,
});

/** A form POST from a phone: no session, no CSRF token, a client address of its own. */
async function postForm(path: string, fields: Record<string, string> | string) {
  const res = await app.request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.${++ip}` },
    body: typeof fields === 'string' ? fields : form(fields).toString(),
  });
  const html = await res.text();
  return { status: res.status, text: textOf(html), html, headers: res.headers };
}

/** A citizen's phone: a browser of its own (cookies kept), at a client address of its own. */
function citizen() {
  const phone = new WebClient(app);
  const from = { 'x-forwarded-for': `192.0.2.${++ip}` };
  return {
    phone,
    submit: (path: string, fields: Record<string, string>) => phone.post(path, fields, { csrf: null, headers: from }),
    get: (path: string) => phone.request('GET', path, undefined, from),
  };
}

/** Submits the form as a citizen and reads the receipt off the page the answer leads to. */
async function submitted(fields: Record<string, string>, station = 'HL01'): Promise<string> {
  const c = citizen();
  const posted = await c.submit(`/s/${station}`, fields);
  expect(posted.status).toBe(303);
  const page = await c.get(posted.location!);
  return /data-testid="receipt">([^<]+)</.exec(page.text)![1].trim();
}

beforeAll(async () => {
  w = await createWorld();
  app = createApp({ db: w.database.db, log: () => {}, trustProxy: true, publicUrl: 'https://jiefen.example.gov.cn' });
  const users = {
    stationHL: { name: '呼兰站 刘', role: 'station', stationCode: 'HL01' },
    stationSC: { name: '双城站 陈', role: 'station', stationCode: 'SC01' },
    court: { name: '李书记员', role: 'court' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
    admin: { name: '系统管理员 赵', role: 'admin' },
  };
  Object.assign(people, (await signedInPeople(w, 'p', users, app)).people);
});

afterAll(async () => {
  await w?.close();
});

describe('/s/:code, the public form', () => {
  it('shows the station and the consent text to anyone, without a script', async () => {
    const r = await app.request('http://localhost/s/HL01');
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(html).not.toContain('<script');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(r.headers.get('cache-control')).toBe('no-store');
    const text = textOf(html);
    for (const want of ['呼兰区人民法院人大代表联络站', '个人信息处理说明', '收集什么', '谁能看到', '保存多久']) expect(text).toContain(want);
  });

  it('answers an unknown station with a 404 page', async () => {
    const r = await app.request('http://localhost/s/NOPE99');
    expect(r.status).toBe(404);
    expect(textOf(await r.text())).toContain('没有找到这个联络站');
  });

  it('a retired station (its old cards still lead here) says so and takes nothing, on the page and through the API', async () => {
    expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code: 'RT01', name: '松北区人大代表联络站', kind: 'street', district: '松北区' })).status).toBe(201);
    expect((await w.call(w.tokens.admin, 'PATCH', '/api/stations/RT01', { active: false })).status).toBe(200);
    const before = await count();
    const page = await app.request('http://localhost/s/RT01');
    expect(page.status).toBe(404);
    expect(textOf(await page.text())).toContain('松北区人大代表联络站已停用，不再受理网上来件');
    const posted = await postForm('/s/RT01', good());
    expect(posted.status).toBe(404);
    expect(posted.text).toContain('已停用');
    const api = await w.call(null, 'POST', '/api/public/submissions', { stationCode: 'RT01', name: '张秀英', phone: '13604517788', counterparty: '李建国', disputeType: '邻里纠纷', description: '楼上漏水两个月。', consent: true });
    expect(api.status).toBe(404);
    expect(JSON.stringify(api.body)).toContain('联络站 RT01 已停用，不再受理来件');
    expect(await count()).toBe(before);
    // Nor is a new card printed for it: staff get the reason instead of a QR code leading nowhere.
    const card = await people.court.get('/stations/RT01/card');
    expect(card.status).toBe(404);
    expect(textOf(card.text)).toContain('联络站 RT01 已停用，不再受理来件');
    expect(card.text).not.toContain('<svg');
    const stations = await people.admin.get('/admin/stations');
    expect(stations.text).toContain('/stations/HL01/card');
    expect(stations.text).not.toContain('/stations/RT01/card');
  });

  it('stores a complete submission once: the answer is a redirect to the receipt page, which a reload shows again and stores nothing', async () => {
    const before = await count();
    const c = citizen();
    const posted = await c.submit('/s/HL01', good({ phone: '13704517711' }));
    expect(posted.status).toBe(303);
    expect(posted.location).toBe('/s/HL01/receipt');
    expect(await count()).toBe(before + 1);
    // The receipt rides in a cookie only the station's own pages get back, never in the address.
    const cookie = posted.setCookies.find((x) => x.startsWith('jf_receipt='))!;
    const receipt = /^jf_receipt=([2-9A-Z]{12});/.exec(cookie)![1];
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/s/HL01', 'Max-Age=1800']) expect(cookie).toContain(attr);
    const first = await c.get(posted.location!);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(textOf(first.text)).toContain('已收到您的反映');
    expect(first.text).toContain(`data-testid="receipt">${receipt.match(/.{4}/g)!.join('-')}<`);
    expect(first.text).not.toContain(receipt);
    const again = await c.get(posted.location!);
    expect(again.text).toBe(first.text);
    expect(await count()).toBe(before + 1);
    // The receipt shown is the one stored: it finds the submission.
    const found = await postForm('/status', { receipt, phone: '7711' });
    expect(found.text).toContain('已收到，正在等待联络站处理');
  });

  it('the form carries a key of its own: sent twice (a double tap, a retry), it stores one dispute and leads to one receipt; sent again with other words, a new one', async () => {
    const page = await citizen().get('/s/HL01');
    const key = /<input type="hidden" name="_key" value="([^"]+)"/.exec(page.text)?.[1];
    expect(key).toMatch(/^[\w-]{8,100}$/);
    const second = /<input type="hidden" name="_key" value="([^"]+)"/.exec((await citizen().get('/s/HL01')).text)?.[1];
    expect(second).not.toBe(key);
    const before = await count();
    const fields = good({ phone: '13704517712', _key: key! });
    const [a, b] = [citizen(), citizen()];
    const first = await a.submit('/s/HL01', fields);
    const again = await b.submit('/s/HL01', fields);
    expect([first.status, again.status]).toEqual([303, 303]);
    expect(await count()).toBe(before + 1);
    const receiptOf = (r: typeof first) => /^jf_receipt=([2-9A-Z]{12});/.exec(r.setCookies.find((x) => x.startsWith('jf_receipt='))!)![1];
    expect(receiptOf(again)).toBe(receiptOf(first));
    // The same rendered form with other words: the citizen means another dispute.
    const other = await citizen().submit('/s/HL01', { ...fields, description: '另一件事：楼道堆放杂物。' });
    expect(other.status).toBe(303);
    expect(await count()).toBe(before + 2);
    expect(receiptOf(other)).not.toBe(receiptOf(first));
  });

  it('a refused form is shown again under the key it was sent with (nothing was stored under it)', async () => {
    const key = 'form-key-kept-1234';
    const r = await postForm('/s/HL01', good({ consent: '', _key: key }));
    expect(r.status).toBe(400);
    expect(r.html).toContain(`name="_key" value="${key}"`);
  });

  it('the receipt page opened without its cookie says where to look the submission up, and stores nothing', async () => {
    const before = await count();
    const r = await citizen().get('/s/HL01/receipt');
    expect(r.status).toBe(404);
    const text = textOf(r.text);
    expect(text).toContain('这里没有可显示的回执');
    expect(text).toContain('不必重新提交');
    expect(r.text).toContain('href="/status"');
    expect(text).toContain('呼兰区人民法院人大代表联络站');
    expect(r.text).not.toContain('data-testid="receipt"');
    expect((await citizen().get('/s/NOPE99/receipt')).status).toBe(404);
    expect(await count()).toBe(before);
  });

  it.each([
    ['no consent', { consent: '' }, 400, '须阅读并同意个人信息处理说明'],
    ['a filled honeypot', { website: 'http://spam.example' }, 400, '不要填写标明“请勿填写”的一栏'],
    ['a bad phone', { phone: '12345' }, 400, '请填写 11 位手机号码'],
    ['an empty name', { name: '' }, 400, '您的姓名'],
  ])('refuses %s with a page in Chinese and stores nothing', async (_what, overrides, status, words) => {
    const before = await count();
    const r = await postForm('/s/HL01', good(overrides));
    expect(r.status).toBe(status);
    expect(r.text).toContain('提交未成功');
    expect(r.text).toContain(words);
    expect(await count()).toBe(before);
  });

  it('the description holds what the form says it does: at its maxlength, every other field at its longest, the form is taken', async () => {
    const html = await (await app.request('http://localhost/s/HL01')).text();
    const max = Number(/<textarea[^>]*name="description"[^>]*maxlength="(\d+)"/.exec(html)?.[1] ?? /<textarea[^>]*maxlength="(\d+)"[^>]*name="description"/.exec(html)?.[1]);
    expect(max).toBeGreaterThan(1000);
    expect(textOf(html)).toContain(`最多 ${max} 字`);
    // Line breaks as a browser sends them (%0D%0A), every 50 characters.
    const description = Array.from({ length: max / 50 }, () => '漏'.repeat(48)).join('\r\n').slice(0, max);
    const before = await count();
    const r = await postForm('/s/HL01', good({ name: '张'.repeat(50), counterparty: '李'.repeat(50), disputeType: '邻里纠纷', description, phone: '13604517790' }));
    expect(r.status).toBe(303);
    expect(await count()).toBe(before + 1);
  });

  it('refuses a body over 16 KiB with a 413 page and stores nothing', async () => {
    const before = await count();
    const r = await postForm('/s/HL01', form(good({ description: '漏'.repeat(6000) })).toString());
    expect(r.status).toBe(413);
    expect(r.text).toContain('填写的内容过长');
    expect(await count()).toBe(before);
  });

  it('refuses the sixth submission of a phone in a day with a 429 page', async () => {
    const phone = '13904510006';
    for (let i = 0; i < 5; i++) expect((await postForm('/s/HL01', good({ phone }))).status).toBe(303);
    const before = await count();
    const r = await postForm('/s/HL01', good({ phone }));
    expect(r.status).toBe(429);
    expect(r.text).toContain('同一手机号码每天最多提交 5 次');
    expect(r.text).toContain('本次提交的内容没有保存');
    expect(await count()).toBe(before);
  });
});

describe('/status, the look-up page', () => {
  it('shows the status for the right pair, and the same "not found" for a wrong pair and an unknown receipt', async () => {
    const receipt = await submitted(good({ phone: '13704517701' }));
    const right = await postForm('/status', { receipt, phone: '7701' });
    expect(right.status).toBe(200);
    expect(right.text).toContain('已收到，正在等待联络站处理');
    expect(right.text).not.toContain('张秀英');
    const wrong = await postForm('/status', { receipt, phone: '7702' });
    const unknown = await postForm('/status', { receipt: 'ZZZZ-2222-ZZZZ', phone: '7701' });
    expect([wrong.status, unknown.status]).toEqual([404, 404]);
    expect(wrong.text).toContain('没有找到与该回执码和手机号码后 4 位相符的记录');
    expect(unknown.text.replace('ZZZZ-2222-ZZZZ', receipt).replace('7701', '7702')).toBe(wrong.text);
  });

  it('a declined submission names the station it was sent to and its hotline to tap, and nothing else of the submission', async () => {
    expect((await w.call(w.tokens.admin, 'PATCH', '/api/stations/SC01', { hotline: '0451-53331234' })).status).toBe(200);
    const decline = async (station: string, token: string, phone: string) => {
      const receipt = await submitted(good({ phone, name: '韩梅', counterparty: '钱多多' }), station);
      const queue = await w.call(token, 'GET', '/api/submissions?status=pending');
      const id = queue.body.items.find((x: { phone: string }) => x.phone === phone).id;
      expect((await w.call(token, 'POST', `/api/submissions/${id}/decline`, { reason: '不属于本站受理范围' })).status).toBe(200);
      return postForm('/status', { receipt, phone: phone.slice(-4) });
    };
    const sc = await decline('SC01', w.tokens.stationSC, '13704517702');
    expect(sc.status).toBe(200);
    expect(sc.text).toContain('联络站经审查后未登记为案件');
    expect(sc.text).toContain('如有疑问，请拨打双城区人民法院人大代表联络站热线');
    expect(sc.html).toContain('<a href="tel:045153331234" class="hotline">0451-53331234</a>');
    for (const other of ['不属于本站受理范围', '韩梅', '钱多多', '13704517702']) expect(sc.html).not.toContain(other);
    // A station without a hotline: its name, and to ask there.
    const hl = await decline('HL01', w.tokens.stationHL, '13704517703');
    expect(hl.text).toContain('如有疑问，请到呼兰区人民法院人大代表联络站咨询');
    expect(hl.html).not.toContain('tel:');
  });
});

describe('the staff pages', () => {
  it('the card: staff of that station, court and admin; not another station, not a deputy; signed out → sign in', async () => {
    const own = await people.stationHL.get('/stations/HL01/card');
    expect(own.status).toBe(200);
    expect(own.text).toContain('<svg');
    expect(own.text).toContain('https://jiefen.example.gov.cn/s/HL01');
    expect(own.text).not.toContain('只能在本机打开');
    expect((await people.court.get('/stations/SC01/card?sheet=a4')).status).toBe(200);
    expect((await people.stationSC.get('/stations/HL01/card')).status).toBe(403);
    expect((await people.deputy.get('/stations/HL01/card')).status).toBe(403);
    expect((await people.court.get('/stations/NOPE/card')).status).toBe(404);
    const anon = await new WebClient(app).get('/stations/HL01/card');
    expect(anon.status).toBe(303);
    expect(anon.location).toContain('/login');
  });

  it('the inbox notice of a submission leads to it in the station’s queue', async () => {
    await postForm('/s/HL01', good({ phone: '13504510009', name: '马兰' }));
    const inbox = await people.stationHL.get('/notifications');
    const href = /<a href="([^"]+)"><strong>收到群众扫码提交的纠纷/.exec(inbox.text)![1];
    const [path, anchor] = href.split('#');
    expect(path).toBe('/submissions');
    const queue = await people.stationHL.get(path);
    const card = new RegExp(`<section class="card submission" id="${anchor}"[^]*?</section>`).exec(queue.text)![0];
    expect(card).toContain('马兰');
  });

  it('the queue: each station sees its own, court all; accept and decline from the page', async () => {
    await postForm('/s/HL01', good({ phone: '13504510001', name: '孙丽' }));
    await postForm('/s/SC01', good({ phone: '13504510002', name: '周强' }));
    const hl = textOf((await people.stationHL.get('/submissions')).text);
    expect(hl).toContain('孙丽');
    expect(hl).not.toContain('周强');
    const court = textOf((await people.court.get('/submissions')).text);
    expect(court).toContain('孙丽');
    expect(court).toContain('周强');
    expect((await people.deputy.get('/submissions')).status).toBe(403);

    const page = (await people.stationHL.get('/submissions')).text;
    const id = /data-submission="([0-9a-f-]{36})"[^]*?孙丽/.exec(page)![1];
    // Another station's staff cannot decide it.
    const foreign = await people.stationSC.post(`/submissions/${id}/decline`, { reason: '不属本站' }, { from: '/submissions' });
    expect(foreign.status).toBe(403);
    const declined = await people.stationHL.post(`/submissions/${id}/decline`, { reason: '' }, { from: '/submissions' });
    expect(declined.status).toBe(400);
    const accepted = await people.stationHL.post(`/submissions/${id}/accept`, { track: 'pre_filing', _key: 'form-key-0001' }, { from: '/submissions' });
    expect(accepted.status).toBe(303);
    expect(accepted.location).toMatch(/^\/cases\/[0-9a-f-]{36}\?ok=created$/);
    const again = await people.stationHL.post(`/submissions/${id}/decline`, { reason: '重复' }, { from: '/submissions' });
    expect(again.status).toBe(409);
    expect(textOf(again.text)).toContain('该提交已经立案');
  });

  it('an accepted submission, in the queue and on its own page, names its case and says where the citizen\'s data went (it keeps none)', async () => {
    await postForm('/s/HL01', good({ phone: '13504510031', name: '欧阳淑芬', counterparty: '上官建华' }));
    const page = (await people.stationHL.get('/submissions')).text;
    const id = /data-submission="([0-9a-f-]{36})"[^]*?欧阳淑芬/.exec(page)![1];
    const accepted = await people.stationHL.post(`/submissions/${id}/accept`, { track: 'pre_filing', _key: 'form-key-0031' }, { from: '/submissions' });
    expect(accepted.status).toBe(303);
    const caseId = /^\/cases\/([0-9a-f-]{36})/.exec(accepted.location!)![1];
    const [{ number }] = rowsOf<{ number: string }>(await w.database.db.execute(sql`select number from cases where id = ${caseId}`));
    const cardOf = (html: string) => new RegExp(`<section class="card submission" id="s-${id}"[^]*?</section>`).exec(html)![0];
    for (const path of ['/submissions?status=accepted', `/submissions/${id}`]) {
      const shown = cardOf((await people.stationHL.get(path)).text);
      const text = textOf(shown);
      expect(text).toContain(`邻里纠纷 · ${number}`);
      expect(text).toContain('已立案');
      expect(text).toContain('提交人姓名、手机号码和对方姓名已转入案件的当事人信息');
      expect(shown).toContain(`<a href="/cases/${caseId}" data-testid="case-link">${number}</a>`);
      for (const gone of ['欧阳淑芬', '上官建华', '13504510031', '提交人']) expect(text.replace('提交人姓名', ''), gone).not.toContain(gone);
      expect(shown).not.toContain('tel:');
    }
  });
});

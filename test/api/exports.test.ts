/**
 * Every list as CSV and XLSX (DESIGN.md §14): Chinese headers, every matching row (not one page),
 * the same access rules and masking as the JSON, Beijing times, amounts as numbers in XLSX, and
 * no cell a spreadsheet would run as a formula (DESIGN.md §10).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseTable } from '../../src/edge/exports.js';
import { csvCell, contentDisposition } from '../../src/edge/tabular.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem, tag } from '../helpers/api.js';
import { download } from '../helpers/files.js';
import { signedInPeople } from '../helpers/web.js';

let w: World;
const T = tag('EXP');
/** Values that a spreadsheet would take for formulas, one per echoed field. */
const EVIL = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR'];

beforeAll(async () => {
  w = await createWorld();
  // The formula-looking case: every free-text field a user types, echoed into the export.
  await w.openCase({
    summary: `=HYPERLINK("http://x") ${T}`,
    disputeType: '+民间借贷',
    claimAmount: '12000.50',
    parties: [
      { role: 'applicant', name: '@张三', idNumber: '230102199001011234', phone: '13812345678' },
      { role: 'respondent', name: '-李四', phone: '13987654321' },
    ],
    occurredAt: '2026-03-01T01:30:00Z',
  });
  await w.openCase({ source: 'walk_in', summary: `本站 ${T}`, stationCode: 'SC01' }, w.tokens.stationSC);
  const r = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: `=cmd|' /C calc'!A0 ${T}`, respondent: '+呼兰区人民法院' });
  expect(r.status).toBe(201);
  const a = await w.call(w.tokens.stationHL, 'POST', '/api/stations/HL01/activities', {
    date: '2026-02-01',
    theme: '@代表接待日',
    content: '-接待群众',
    deputyIds: [w.deputies.a, w.deputies.b],
    votersReceived: 12,
  });
  expect(a.status).toBe(201);
  expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code: 'EV01', name: '=恶意站点', kind: 'town', district: '-区' })).status).toBe(201);
  expect((await w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '=代表', level: 'county', stationCode: 'EV01', expertise: ['+专长'] })).status).toBe(201);
});

afterAll(() => w?.close());

const FORMULA = /^[=+\-@\t\r]/;

describe('csvCell', () => {
  it('puts a quote before every cell a spreadsheet would read as a formula, and only those', () => {
    for (const v of EVIL) expect(csvCell(v)).toBe(`'${v}`);
    for (const v of ['张三', '12000.50', '', "'=already"]) expect(csvCell(v)).toBe(v);
  });

  it('names a file in Chinese for every browser (RFC 6266 / 5987)', () => {
    expect(contentDisposition("案件 (1)'*.csv", 'cases.csv')).toBe(
      `attachment; filename="cases.csv"; filename*=UTF-8''%E6%A1%88%E4%BB%B6%20%281%29%27%2A.csv`,
    );
  });
});

describe('GET /api/cases?format=csv|xlsx', () => {
  it('writes Chinese headers, Beijing times, labels, and full personal data for court staff', async () => {
    const d = await download(w.app, w.tokens.court, `/api/cases?format=csv&q=${T}`);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(d.headers.get('cache-control')).toBe('no-store');
    expect(d.headers.get('content-disposition')).toMatch(/^attachment; filename="cases_\d{8}\.csv"; filename\*=UTF-8''%E6%A1%88%E4%BB%B6_\d{8}\.csv$/);
    const [header] = d.csv();
    expect(header).toEqual([
      '案号', '状态', '结案方式', '是否超期', '案件类型', '审理程序', '来源渠道', '联络站代码', '纠纷类型', '纠纷概要',
      '标的金额（元）', '具有强制执行力', '执行依据文书', '应执行金额（元）', '执行到位金额（元）',
      '申请人', '申请人证件号码', '申请人电话', '被申请人', '被申请人证件号码', '被申请人电话', '登记时间', '结案时间', '最后办理时间',
    ]);
    const rows = d.records();
    expect(rows).toHaveLength(2);
    const hl = rows.find((r) => r['联络站代码'] === 'HL01')!;
    expect(hl).toMatchObject({
      状态: '登记待审查',
      是否超期: '否',
      案件类型: '诉前委派调解',
      来源渠道: '法院委派/委托',
      纠纷类型: "'+民间借贷",
      纠纷概要: `'=HYPERLINK("http://x") ${T}`,
      '标的金额（元）': '12000.50',
      申请人: "'@张三",
      申请人证件号码: '230102199001011234',
      申请人电话: '13812345678',
      被申请人: "'-李四",
      被申请人证件号码: '',
      被申请人电话: '13987654321',
      登记时间: '2026-03-01 09:30:00',
    });
  });

  it('masks personal data for the committee as the JSON does, and station staff see their own station only', async () => {
    const committee = (await download(w.app, w.tokens.committee, `/api/cases?format=csv&q=${T}`)).records();
    const json = await w.call(w.tokens.committee, 'GET', `/api/cases?q=${T}`);
    expect(committee).toHaveLength(json.body.items.length);
    const hl = committee.find((r) => r['联络站代码'] === 'HL01')!;
    const jsonHl = json.body.items.find((i: any) => i.stationCode === 'HL01');
    expect(hl['申请人证件号码']).toBe(jsonHl.parties[0].idNumber);
    expect(hl['申请人证件号码']).toBe('23010*********1234');
    expect(hl['申请人电话']).toBe('1******5678');
    const station = (await download(w.app, w.tokens.stationSC, `/api/cases?format=csv&q=${T}`)).records();
    expect(station.map((r) => r['联络站代码'])).toEqual(['SC01']);
    expect((await download(w.app, w.tokens.deputyA, `/api/cases?format=csv&q=${T}`)).records()).toEqual([]);
  });

  it('the XLSX: amounts as numbers, times as Beijing dates, text as text (no formulas)', async () => {
    const d = await download(w.app, w.tokens.court, `/api/cases?format=xlsx&q=${T}&stationCode=HL01`);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(d.headers.get('content-disposition')).toMatch(/filename="cases_\d{8}\.xlsx"/);
    const [header, row] = await d.xlsx();
    const at = (h: string) => row[header.indexOf(h)];
    expect(at('标的金额（元）')).toEqual({ value: 12000.5, numFmt: '#,##0.00' });
    expect(at('登记时间')).toEqual({ value: new Date('2026-03-01T09:30:00Z'), numFmt: 'yyyy-mm-dd hh:mm:ss' });
    expect(at('纠纷概要')).toBe(`=HYPERLINK("http://x") ${T}`);
    expect(at('申请人')).toBe('@张三');
  });

  it('every matching row, beyond one page of the JSON list, and the filters apply', async () => {
    const many = tag('MANY');
    for (let i = 0; i < 205; i++) await w.openCase({ summary: `${many} ${i}`, parties: [{ role: 'applicant', name: `甲${i}` }] });
    const rows = (await download(w.app, w.tokens.court, `/api/cases?format=csv&q=${many}`)).records();
    expect(rows).toHaveLength(205);
    expect(new Set(rows.map((r) => r['案号'])).size).toBe(205);
    expect((await download(w.app, w.tokens.court, `/api/cases?format=csv&q=${many}&stationCode=SC01`)).records()).toEqual([]);
    // limit and cursor are the JSON's paging: a file has every row.
    expect((await download(w.app, w.tokens.court, `/api/cases?format=csv&q=${many}&limit=5`)).records()).toHaveLength(205);
    // The list function's batches, smaller than the list: rows cross batch boundaries whole.
    const actor = { id: '00000000-0000-0000-0000-000000000000', role: 'court' as const, name: 'test' };
    const t = caseTable(w.database.db, actor, { q: many }, {}, 7);
    let n = 0;
    const ids = new Set<string>();
    for (let b = await t.batches.next(); !b.done; b = await t.batches.next()) {
      expect(b.value.length).toBeLessThanOrEqual(7);
      n += b.value.length;
      for (const c of b.value) ids.add(c.id);
    }
    expect([n, ids.size]).toEqual([205, 205]);
  });

  it('refuses what the JSON refuses, as problem+json', async () => {
    expectProblem(await w.call(null, 'GET', '/api/cases?format=csv'), 401);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/cases?format=pdf'), 400);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/cases?format=csv&from=2026-02-30'), 400);
  });
});

describe('the other lists', () => {
  it('supervision items: Chinese headers and labels; not for station staff', async () => {
    const rows = (await download(w.app, w.tokens.committee, '/api/supervisions?format=csv')).records();
    const item = rows.find((r) => r['监督事项'].includes(T))!;
    expect(item).toMatchObject({ 监督类型: '专题问案', 报告机关: "'+呼兰区人民法院", 状态: '已立项', 报告是否逾期: '否', 关联案件数: '0' });
    expect(item['监督事项'].startsWith("'=cmd")).toBe(true);
    const x = await (await download(w.app, w.tokens.committee, '/api/supervisions?format=xlsx')).xlsx();
    expect(x[0]).toEqual(['编号', '监督类型', '监督事项', '报告机关', '状态', '报告是否逾期', '评议结果', '关联案件数', '立项时间', '办结时间']);
    expectProblem(await w.call(w.tokens.stationHL, 'GET', '/api/supervisions?format=csv'), 403);
  });

  it('station activities: deputies by name, counts as numbers; other stations refused', async () => {
    const rows = (await download(w.app, w.tokens.stationHL, '/api/stations/HL01/activities?format=csv')).records();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ 联络站代码: 'HL01', 活动日期: '2026-02-01', 活动主题: "'@代表接待日", 活动内容: "'-接待群众", 进站代表: '王丽、赵刚', 代表进站人次: '2', 接待选民人次: '12' });
    const [header, row] = await (await download(w.app, w.tokens.committee, '/api/stations/HL01/activities?format=xlsx')).xlsx();
    expect(row[header.indexOf('接待选民人次')]).toEqual({ value: 12, numFmt: '0' });
    expect(row[header.indexOf('活动日期')]).toEqual({ value: new Date('2026-02-01T00:00:00Z'), numFmt: 'yyyy-mm-dd' });
    expectProblem(await w.call(w.tokens.stationSC, 'GET', '/api/stations/HL01/activities?format=csv'), 403);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/stations/NOPE/activities?format=xlsx'), 404);
  });

  it('stations and deputies', async () => {
    const stations = (await download(w.app, w.tokens.admin, '/api/stations?format=csv')).records();
    expect(stations.find((s) => s['站点代码'] === 'EV01')).toMatchObject({ 站点名称: "'=恶意站点", 站点类型: '乡镇代表联络站', 所在区县: "'-区" });
    const deputies = (await download(w.app, w.tokens.admin, '/api/deputies?format=csv')).records();
    expect(deputies.find((d) => d['联络站代码'] === 'EV01')).toMatchObject({ 姓名: "'=代表", 代表层级: '区（县）人大代表', 专业领域: "'+专长" });
  });

  // DESIGN §10: a deputy's phone in full only to admin, court and that deputy — in a file as in the JSON.
  it.each([
    ['admin', '13900001111'],
    ['court', '13900001111'],
    ['deputyA', '13900001111'],
    ['deputyB', '1******1111'],
    ['stationHL', '1******1111'],
    ['committee', '1******1111'],
  ] as const)("a deputy's phone in the deputies' CSV and XLSX, read by %s: %s", async (who, shown) => {
    const token = w.tokens[who];
    const json = (await w.call(token, 'GET', '/api/deputies?stationCode=HL01')).body.items.find((d: { id: string }) => d.id === w.deputies.a);
    expect(json.phone).toBe(shown);
    const csv = (await download(w.app, token, '/api/deputies?format=csv&stationCode=HL01')).records().find((d) => d['姓名'] === '王丽');
    expect(csv?.['联系电话']).toBe(shown);
    const [header, ...rows] = await (await download(w.app, token, '/api/deputies?format=xlsx&stationCode=HL01')).xlsx();
    const row = rows.find((r) => r[header.indexOf('姓名')] === '王丽');
    expect(row?.[header.indexOf('联系电话')]).toBe(shown);
  });

  it('no cell of any file starts like a formula', async () => {
    for (const path of [
      `/api/cases?format=csv`,
      '/api/supervisions?format=csv',
      '/api/stations/HL01/activities?format=csv',
      '/api/stations?format=csv',
      '/api/deputies?format=csv',
      '/api/reports/enforcement?format=csv',
    ]) {
      const d = await download(w.app, w.tokens.court, path);
      expect(d.status).toBe(200);
      for (const row of d.csv()) for (const cell of row) expect(cell).not.toMatch(FORMULA);
    }
  });
});

describe('download links on the web pages', () => {
  const person = async (body: Record<string, unknown>, login: string) => (await signedInPeople(w, login, { one: body })).people.one;

  it('each list page links its file, with the page filters; the file is the API file for that user', async () => {
    const court = await person({ name: '书记员 下载', role: 'court' }, 'dl-court');
    const list = await court.get(`/cases?q=${T}&stationCode=HL01`);
    expect(list.status).toBe(200);
    const href = `/cases/download?stationCode=HL01&amp;q=${T}&amp;format=csv`;
    expect(list.text).toContain(href);
    const file = await court.get(href.replace(/&amp;/g, '&'));
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/filename="cases_\d{8}\.csv"/);
    const api = await download(w.app, w.tokens.court, `/api/cases?format=csv&q=${T}&stationCode=HL01`);
    const rows = (t: string) => t.replace(/^\uFEFF/, '').split('\r\n').map((l) => l.replace(/[^,]*$/, '')); // bar 最后办理时间
    expect(rows(file.text)).toEqual(rows(api.text()));
    const xlsx = await court.get(`/cases/download?q=${T}&format=xlsx`);
    expect(xlsx.headers.get('content-type')).toMatch(/spreadsheetml/);
    for (const [page, link] of [
      ['/supervisions', '/supervisions/download?format=xlsx'],
      ['/stations/HL01/activities', '/stations/HL01/activities/download?format=xlsx'],
    ]) {
      const p = await court.get(page);
      expect(p.text).toContain(link);
      expect((await court.get(link)).status).toBe(200);
    }
    const admin = await person({ name: '管理员 下载', role: 'admin' }, 'dl-admin');
    for (const page of ['/admin/stations', '/admin/deputies']) {
      expect((await admin.get(page)).text).toContain(`${page}/download?format=csv`);
      const f = await admin.get(`${page}/download?format=csv`);
      expect([f.status, f.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    }
    expect((await court.get('/admin/stations/download?format=csv')).status).toBe(403);
    const station = await person({ name: '双城 下载', role: 'station', stationCode: 'SC01' }, 'dl-station');
    expect((await station.get('/stations/HL01/activities/download?format=csv')).status).toBe(403);
  });
});

/**
 * Import of registers (DESIGN.md §14): a file exported from jiefen imports back (CSV and XLSX), a
 * dry run lists every row's problems in Chinese and writes nothing, a second import writes nothing
 * new, and bad files — wrong type, GBK text, missing columns, too large — get a Chinese answer with
 * nothing written.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { MAX_UPLOAD_BYTES } from '../../src/edge/import-answer.js';
import { beijingInstant, decodeText } from '../../src/edge/imports.js';
import { progressBar, readRegister } from '../../scripts/import.js';
import { createWorld, type Call, type World } from '../helpers/world.js';
import { expectProblem, fingerprint, tag } from '../helpers/api.js';
import { download } from '../helpers/files.js';
import { WebClient, csrfOf, signedInPeople, textOf } from '../helpers/web.js';

let from: World;
let to: World;
const T = tag('IMP');

/** POST a file to /api/imports: raw bytes, or multipart when `multipart`. */
async function upload(w: World, token: string, query: string, bytes: Uint8Array, opts: { multipart?: boolean; accept?: string; name?: string } = {}): Promise<Call & { text: string }> {
  let body: FormData | Uint8Array;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (opts.multipart) {
    const form = new FormData();
    form.set('file', new File([bytes], opts.name ?? 'file.csv'));
    body = form;
  } else {
    body = bytes;
    headers['content-type'] = 'application/octet-stream';
  }
  if (opts.accept) headers.accept = opts.accept;
  const res = await w.app.request(`/api/imports?${query}`, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON or text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A GBK encoder built from the platform's GBK decoder (every two-byte sequence, once). */
function gbk(s: string): Uint8Array {
  const table = new Map<string, number[]>();
  const dec = new TextDecoder('gbk');
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([a, b]));
      if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [a, b]);
    }
  }
  const out: number[] = [];
  for (const ch of s) {
    if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0));
    else out.push(...table.get(ch)!);
  }
  return new Uint8Array(out);
}

beforeAll(async () => {
  [from, to] = await Promise.all([createWorld(), createWorld()]);
  // The register to carry over: an ordinary case with two parties, an enforcement referral, a
  // station's walk-in, and one whose text looks like a formula (guarded in the CSV, restored here).
  await from.openCase({ summary: `借款纠纷 ${T}`, occurredAt: '2026-01-05T02:03:04Z' });
  await from.openCase({
    track: undefined,
    source: 'enforcement_referral',
    summary: `执行转入 ${T}`,
    enforceableDocument: '（2025）黑0111民初1号民事判决书',
    owedAmount: '8000.00',
    parties: [{ role: 'applicant', name: '王五' }, { role: 'respondent', name: '赵六', phone: '13600000000' }],
    occurredAt: '2026-02-01T00:00:00Z',
  });
  await from.openCase({ source: 'walk_in', stationCode: 'SC01', summary: `=1+1 ${T}`, claimAmount: '300.5', track: 'post_filing', procedure: 'simple' }, from.tokens.stationSC);
});

afterAll(async () => {
  await Promise.all([from?.close(), to?.close()]);
});

const caseRows = async (w: World) =>
  rowsOf<Record<string, unknown>>(
    await w.database.db.execute(sql`select c.external_ref, c.number, c.track, c.procedure, c.source, c.station_code, c.dispute_type, c.summary, c.claim_fen, c.owed_fen,
      c.state, to_char(c.opened_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as opened,
      (select json_agg(json_build_object('role', p.role, 'name', p.name, 'id', p.id_number, 'phone', p.phone) order by p.position) from parties p where p.case_id = c.id) as parties,
      (select count(*) from case_events e where e.case_id = c.id and e.type = 'CREATE' and e.occurred_at = c.opened_at)::int as journaled
      from cases c where c.summary like ${`%${T}%`} order by c.summary`),
  );

describe('a file exported from jiefen imports back', () => {
  it('cases, from the CSV: the same cases, numbered anew, externalRef the old number, journaled at their register time; a second import writes nothing', async () => {
    const file = await download(from.app, from.tokens.court, `/api/cases?format=csv&q=${T}`);
    expect(file.status).toBe(200);
    const dry = await upload(to, to.tokens.court, 'kind=cases&dryRun=true', file.bytes);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ kind: 'cases', dryRun: true, total: 3, created: 3, skipped: 0, problems: [] });
    expect(await caseRows(to)).toEqual([]);

    const r = await upload(to, to.tokens.court, 'kind=cases', file.bytes, { multipart: true, name: '案件.csv' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'cases', dryRun: false, total: 3, created: 3, skipped: 0, problems: [] });
    const source = await caseRows(from);
    const imported = await caseRows(to);
    expect(imported).toHaveLength(3);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ number: _n, external_ref: _r, ...rest }) => rest);
    expect(strip(imported)).toEqual(strip(source));
    expect(imported.map((c) => c.external_ref)).toEqual(source.map((c) => c.number));
    for (const c of imported) expect(c.journaled).toBe(1);
    // The import's case is an ordinary case: the API shows it, with its externalRef.
    const list = await to.call(to.tokens.court, 'GET', `/api/cases?q=${T}`);
    expect(list.body.items.map((i: any) => i.externalRef).sort()).toEqual(source.map((c) => c.number).sort());

    const before = await fingerprint(to);
    const again = await upload(to, to.tokens.court, 'kind=cases', file.bytes);
    expect(again.body).toMatchObject({ created: 0, skipped: 3, problems: [] });
    expect(await fingerprint(to)).toEqual(before);
    // The XLSX of the same list is the same register: nothing new either.
    const xlsx = await download(from.app, from.tokens.court, `/api/cases?format=xlsx&q=${T}`);
    expect((await upload(to, to.tokens.court, 'kind=cases', xlsx.bytes)).body).toMatchObject({ created: 0, skipped: 3, problems: [] });
    // Into the database it came from: the same cases (by number) — nothing to do.
    expect((await upload(from, from.tokens.court, 'kind=cases&dryRun=true', file.bytes)).body).toMatchObject({ created: 0, skipped: 3 });
  });

  it('cases, from the XLSX, into a third database: the same rows as from the CSV', async () => {
    const third = await createWorld();
    try {
      const xlsx = await download(from.app, from.tokens.court, `/api/cases?format=xlsx&q=${T}`);
      const r = await upload(third, third.tokens.court, 'kind=cases', xlsx.bytes, { multipart: true, name: 'cases.xlsx' });
      expect(r.body).toMatchObject({ created: 3, skipped: 0, problems: [] });
      const strip = (rows: Record<string, unknown>[]) => rows.map(({ number: _n, ...rest }) => rest);
      expect(strip(await caseRows(third))).toEqual(strip(await caseRows(to)));
    } finally {
      await third.close();
    }
  });

  it('stations, deputies and activities', async () => {
    const third = await createWorld();
    try {
      // With what its card and public page show: hotline, address, deputies on duty (one with a schedule holding 、).
      const onDuty = [{ name: '钱七', schedule: '每周二、周四上午' }, { name: '孙八' }];
      expect((await from.call(from.tokens.admin, 'POST', '/api/stations', { code: 'NG01', name: `南岗区燎原街道代表联络站 ${T}`, kind: 'street', district: '南岗区', hotline: '0451-57301234', address: '南岗区燎原街 1 号', deputiesOnDuty: onDuty })).status).toBe(201);
      const d = await from.call(from.tokens.admin, 'POST', '/api/deputies', { name: '钱七', level: 'township', stationCode: 'NG01', expertise: ['物业', '邻里'], phone: '13500001111' });
      const a = await from.call(from.tokens.court, 'POST', '/api/stations/NG01/activities', { date: '2026-01-10', theme: `接待日 ${T}`, content: '接待群众 5 人', deputyIds: [d.body.id], votersReceived: 5 });
      expect(a.status).toBe(201);
      const files = {
        stations: await download(from.app, from.tokens.admin, '/api/stations?format=xlsx'),
        deputies: await download(from.app, from.tokens.admin, '/api/deputies?format=csv&stationCode=NG01'),
        activities: await download(from.app, from.tokens.court, '/api/stations/NG01/activities?format=csv'),
      };
      // Activities name deputies who are not there yet: refused row by row, nothing written.
      const early = await upload(third, third.tokens.admin, 'kind=activities', files.activities.bytes);
      expectProblem(early, 400);
      expect(early.body.problems).toEqual([
        { row: 2, column: '联络站代码', message: '联络站 NG01 不存在' },
        { row: 2, column: '进站代表', message: '没有名为“钱七”的代表' },
      ]);
      expect((await upload(third, third.tokens.admin, 'kind=stations', files.stations.bytes)).body).toMatchObject({ total: 3, created: 1, skipped: 2, problems: [] });
      expect((await upload(third, third.tokens.admin, 'kind=deputies', files.deputies.bytes)).body).toMatchObject({ total: 1, created: 1, skipped: 0, problems: [] });
      expect((await upload(third, third.tokens.admin, 'kind=activities', files.activities.bytes)).body).toMatchObject({ total: 1, created: 1, problems: [] });
      const station = (await third.call(third.tokens.admin, 'GET', '/api/stations')).body.items.find((s: any) => s.code === 'NG01');
      expect(station).toMatchObject({ name: `南岗区燎原街道代表联络站 ${T}`, kind: 'street', district: '南岗区', hotline: '0451-57301234', address: '南岗区燎原街 1 号', deputiesOnDuty: onDuty });
      const deputy = (await third.call(third.tokens.admin, 'GET', '/api/deputies?stationCode=NG01')).body.items[0];
      expect(deputy).toMatchObject({ name: '钱七', level: 'township', expertise: ['物业', '邻里'], phone: '13500001111', externalRef: d.body.id });
      const acts = (await third.call(third.tokens.court, 'GET', '/api/stations/NG01/activities')).body.items;
      expect(acts).toHaveLength(1);
      expect(acts[0]).toMatchObject({ date: '2026-01-10', theme: `接待日 ${T}`, deputyIds: [deputy.id], deputyVisits: 1, votersReceived: 5, externalRef: a.body.id });
      // Idempotent, each of them.
      const before = await fingerprint(third);
      for (const kind of ['stations', 'deputies', 'activities'] as const) {
        expect((await upload(third, third.tokens.admin, `kind=${kind}`, files[kind].bytes)).body).toMatchObject({ created: 0, problems: [] });
      }
      expect(await fingerprint(third)).toEqual(before);
    } finally {
      await third.close();
    }
  });
});

describe('dry run and row problems', () => {
  const header = '案号,来源渠道,案件类型,联络站代码,纠纷类型,纠纷概要,标的金额（元）,申请人,申请人证件号码,被申请人,登记时间,多余的列';
  const bad = [
    header,
    `OLD-1,入站,诉前委派调解,HL01,民间借贷,${T} 好行,100.00,张三,230102199001011234,李四,2026-01-01 09:00,随便`,
    `OLD-2,网上,诉前委派调解,NOPE,民间借贷,${T} 坏行,12.345,张三,12,李四,2026-13-01,`,
    `,入站,诉前委派调解,HL01,民间借贷,${T} 无案号,,,,,,`,
    `OLD-1,入站,诉前委派调解,HL01,民间借贷,${T} 重复,,王五,,,2026-01-02,`,
  ].join('\r\n');

  it('a register whose numbers hold quotes, backslashes, commas and braces imports once: the second time every row is found there already', async () => {
    const refs = ['Q"1', 'B\\2', 'C,3', '{D4}', 'E 5'];
    const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const file = [header, ...refs.map((ref, i) => `${csvCell(ref)},入站,诉前委派调解,HL01,民间借贷,${T} 怪案号${i},100.00,张三,,李四,2026-01-0${i + 1} 09:00,`)].join('\r\n');
    expect((await upload(to, to.tokens.court, 'kind=cases', utf8(file))).body).toMatchObject({ created: 5, skipped: 0, problems: [] });
    const before = await fingerprint(to);
    expect((await upload(to, to.tokens.court, 'kind=cases', utf8(file))).body).toMatchObject({ created: 0, skipped: 5, problems: [] });
    expect(await fingerprint(to)).toEqual(before);
  });

  it('lists every row\'s problems in Chinese — row, column, what is wrong — and writes nothing', async () => {
    const before = await fingerprint(to);
    const r = await upload(to, to.tokens.court, 'kind=cases&dryRun=true', utf8(bad));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, total: 4, skipped: 0 });
    const problems = r.body.problems as { row: number; column: string; message: string }[];
    const at = (row: number) => problems.filter((p) => p.row === row).map((p) => p.column).sort();
    expect(at(2)).toEqual([]);
    expect(at(3)).toEqual(['申请人证件号码', '来源渠道', '标的金额（元）', '登记时间', '联络站代码'].sort());
    expect(at(4)).toEqual(['案号', '申请人', '登记时间'].sort());
    expect(problems.find((p) => p.row === 5)).toEqual({ row: 5, column: '案号', message: '与第 2 行重复（OLD-1）' });
    for (const p of problems) expect(p.message).toMatch(/[\u4e00-\u9fff]/);
    expect(problems.find((p) => p.row === 3 && p.column === '联络站代码')?.message).toBe('联络站 NOPE 不存在');
    expect(await fingerprint(to)).toEqual(before);
    // The real import of the same file: refused whole, the same problems, nothing written.
    const real = await upload(to, to.tokens.court, 'kind=cases', utf8(bad));
    const body = expectProblem(real, 400);
    expect(body.problems).toEqual(problems);
    expect(body.detail).toMatch(/未导入任何记录/);
    expect(await fingerprint(to)).toEqual(before);
  });

  it('names an enumeration\'s choices by their labels, as the export writes them, never by their keys', async () => {
    const cases = [
      '案号,来源渠道,案件类型,审理程序,联络站代码,纠纷类型,纠纷概要,申请人,登记时间',
      `E-1,来电,诉前,普通,HL01,民间借贷,${T} 枚举,张三,2026-01-01`,
    ].join('\r\n');
    const r = await upload(to, to.tokens.court, 'kind=cases&dryRun=true', utf8(cases));
    const byColumn = Object.fromEntries((r.body.problems as { column: string; message: string }[]).map((p) => [p.column, p.message]));
    expect(byColumn['来源渠道']).toBe('“来电”不是可选的值，须为以下之一：入站、扫码联、热线联、入户联、法院委派/委托、执行转入');
    expect(byColumn['案件类型']).toBe('“诉前”不是可选的值，须为以下之一：诉前委派调解、诉中委托调解');
    expect(byColumn['审理程序']).toBe('“普通”不是可选的值，须为以下之一：普通程序、简易程序');
    const directory = await upload(to, to.tokens.admin, 'kind=deputies&dryRun=true', utf8('姓名,代表层级,联络站代码\r\n王五,省级以上,HL01'));
    expect(directory.body.problems).toEqual([{ row: 2, column: '代表层级', message: expect.stringMatching(/^“省级以上”不是可选的值，须为以下之一：全国人大代表、.*乡镇人大代表$/) }]);
    const stationsFile = await upload(to, to.tokens.admin, 'kind=stations&dryRun=true', utf8('站点代码,站点名称,站点类型,所在区县\r\nX9,某站,乡镇,呼兰区'));
    const keys = /pre_filing|post_filing|ordinary|simple|walk_in|hotline|court_referral|provincial|county|township|street|town|village/;
    for (const p of [...r.body.problems, ...directory.body.problems, ...stationsFile.body.problems]) expect(p.message).not.toMatch(keys);
    expect(stationsFile.body.problems[0].message).toContain('乡镇代表联络站');
  });

  it('streams its progress as NDJSON when asked (the upload page\'s live count)', async () => {
    const r = await upload(to, to.tokens.court, 'kind=cases&dryRun=true', utf8(bad), { accept: 'application/x-ndjson' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ progress: { total: 4, done: 0, created: 0, skipped: 0, phase: 'checking' } });
    expect(lines.at(-1).result).toMatchObject({ dryRun: true, total: 4 });
    expect(lines.at(-2).progress.phase).toBe('done');
  });
});

describe('bad files', () => {
  const good = (ref: string) =>
    `案号,来源渠道,案件类型,联络站代码,纠纷类型,纠纷概要,申请人,登记时间\r\n${ref},热线联,诉前委派调解,HL01,邻里纠纷,${T} 编码,张三,2026-01-03 08:00:00\r\n`;

  it('reads rows ending in CRLF, LF or a lone CR alike: a row appended with another line ending is never dropped', async () => {
    const head = '案号,来源渠道,案件类型,联络站代码,纠纷类型,纠纷概要,申请人,登记时间';
    const row = (ref: string) => `${ref},热线联,诉前委派调解,HL01,邻里纠纷,${T} 行尾,张三,2026-01-03 08:00:00`;
    const file = `${head}\r\n${row('EOL-1')}\n${row('EOL-2')}\n${row('EOL-3')}\r${row('EOL-4')}\r\n`;
    const dry = await upload(to, to.tokens.court, 'kind=cases&dryRun=true', utf8(file));
    expect(dry.body).toMatchObject({ total: 4, problems: [] });
    const real = await upload(to, to.tokens.court, 'kind=cases', utf8(file));
    expect(real.body).toMatchObject({ total: 4, created: 4, problems: [] });
    expect((await caseRows(to)).filter((x) => String(x.external_ref).startsWith('EOL-')).map((x) => x.external_ref).sort()).toEqual(['EOL-1', 'EOL-2', 'EOL-3', 'EOL-4']);
  });

  it('reads a GBK CSV from older Excel', async () => {
    expect(decodeText(gbk('纠纷'))).toBe('纠纷');
    const r = await upload(to, to.tokens.court, 'kind=cases', gbk(good('GBK-1')));
    expect(r.body).toMatchObject({ created: 1, problems: [] });
    const c = (await caseRows(to)).find((x) => x.external_ref === 'GBK-1')!;
    expect(c).toMatchObject({ source: 'hotline', dispute_type: '邻里纠纷', opened: '2026-01-03T00:00:00', parties: [{ role: 'applicant', name: '张三', id: null, phone: null }] });
  });

  it('refuses, in Chinese, with nothing written: missing columns, wrong type, unreadable text, empty, too large; and who may import what', async () => {
    const before = await fingerprint(to);
    const cases = async (bytes: Uint8Array) => expectProblem(await upload(to, to.tokens.court, 'kind=cases', bytes), 400);
    expect((await cases(utf8('案号,纠纷类型\r\nX,民间借贷\r\n'))).detail).toBe(
      '文件缺少以下列：来源渠道、联络站代码、纠纷概要、申请人、登记时间。第一行须为列名，与本系统导出的案件文件相同',
    );
    expect((await cases(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).detail).toMatch(/\.xls/);
    expect((await cases(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0xff, 0xfe, 0xfd]))).detail).toMatch(/编码|不是 CSV/);
    expect((await cases(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).detail).toMatch(/Excel 文件已损坏/);
    expect((await cases(new Uint8Array([0xc0, 0xaf, 0xff, 0xff, 0x80]))).detail).toMatch(/编码/);
    expect((await cases(new Uint8Array())).detail).toBe('文件是空的');
    // One byte over the limit: 413 before the body is read.
    const big = new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(0x41);
    const tooBig = await upload(to, to.tokens.court, 'kind=cases', big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(tooBig.body).toMatchObject({ status: 413, title: '文件过大' });
    // Who: the directory is the admin's, cases the court's.
    expectProblem(await upload(to, to.tokens.admin, 'kind=cases', utf8(good('X-1'))), 403);
    for (const token of [to.tokens.committee, to.tokens.stationHL, to.tokens.deputyA]) expectProblem(await upload(to, token, 'kind=cases', utf8(good('X-1'))), 403);
    expectProblem(await upload(to, to.tokens.court, 'kind=stations', utf8('站点代码\r\n')), 403);
    expectProblem(await upload(to, to.tokens.admin, 'kind=users', utf8('x')), 400);
    expect(await fingerprint(to)).toEqual(before);
  });
});

describe('helpers', () => {
  it('reads register times as Beijing time', () => {
    expect(beijingInstant('2026-03-01 09:30:00')).toBe('2026-03-01T01:30:00.000Z');
    expect(beijingInstant('2026/3/1')).toBe('2026-02-28T16:00:00.000Z');
    expect(beijingInstant('2026-02-30')).toBe('2026-02-30');
  });

  it('draws the terminal progress bar', () => {
    expect(progressBar({ total: 100_000, done: 61_000, created: 0, skipped: 0, phase: 'writing' }, Date.now() - 1000, 10)).toMatch(
      /^\[██████░░░░\]  61% 61,000\/100,000 写入 [\d,]+ 行\/秒$/,
    );
  });
});

describe('the command line', () => {
  it('says in Chinese why a file cannot be imported, exit code 2, before opening any database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jf-import-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dir, 'db') };
    delete env.DATABASE_URL;
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/import.ts', 'cases', '/no/such/file.xlsx'], { env }).catch((e) => e);
    expect({ code: run.code, stderr: run.stderr, stdout: run.stdout }).toEqual({ code: 2, stderr: '无法导入：找不到文件 /no/such/file.xlsx：请检查路径和文件名\n', stdout: '' });
    expect(existsSync(join(dir, 'db'))).toBe(false);
    for (const name of ['a.txt', 'b.xls', 'c.CSV']) writeFileSync(join(dir, name), 'name,code\n');
    expect(() => readRegister(join(dir, 'a.txt'))).toThrow(`只能导入 .xlsx 或 .csv 文件：请将 ${join(dir, 'a.txt')} 在 Excel 中另存为 .xlsx 或 CSV 后重试`);
    expect(() => readRegister(join(dir, 'b.xls'))).toThrow('不支持旧版 Excel 97-2003（.xls）文件');
    expect(() => readRegister(dir)).toThrow(`${dir} 不是文件（可能是文件夹）`);
    expect(() => readRegister(join(dir, 'a.txt', 'x.csv'))).toThrow(`找不到文件 ${join(dir, 'a.txt', 'x.csv')}`);
    expect(readRegister(join(dir, 'c.CSV')).toString()).toBe('name,code\n');
    rmSync(dir, { recursive: true });
  });
});

describe('the upload page', () => {
  it('is for the admin (directory) and court staff (cases); the form imports and answers a page; a file over the limit is refused', async () => {
    const signIn = async (body: Record<string, unknown>, login: string) => (await signedInPeople(to, login, { one: body })).people.one;
    const court = await signIn({ name: '书记员 导入', role: 'court' }, 'imp-court');
    const page = await court.get('/imports');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="cases">案件</option>');
    expect(page.text).not.toContain('value="stations"');
    expect(page.text).toContain('/static/import.js');
    const csrf = csrfOf(page.text);
    const post = async (client: WebClient, fields: Record<string, string>, file: Uint8Array, accept?: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      form.set('file', new File([file], 'register.csv'));
      const res = await to.app.request('http://localhost/imports', {
        method: 'POST',
        body: form,
        headers: { cookie: [...client.jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(accept ? { accept } : {}) },
      });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    };
    const csv = utf8(`案号,来源渠道,案件类型,联络站代码,纠纷类型,纠纷概要,申请人,登记时间\r\nWEB-1,入站,诉前委派调解,HL01,邻里纠纷,${T} 网页,张三,2026-01-04 08:00:00\r\n`);
    const before = await fingerprint(to);
    const dry = await post(court, { _csrf: csrf, kind: 'cases', dryRun: 'true' }, csv);
    expect(dry.status).toBe(200);
    expect(textOf(dry.text)).toContain('试导入完成：共 1 行，可导入 1 行');
    expect(await fingerprint(to)).toEqual(before);
    // The page's script asks for the live count: NDJSON lines, the result last.
    const live = await post(court, { _csrf: csrf, kind: 'cases' }, csv, 'application/x-ndjson');
    expect(live.type).toMatch(/ndjson/);
    const lines = live.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.progress?.phase === 'writing')).toBe(true);
    expect(lines.at(-1).result).toMatchObject({ created: 1, problems: [] });
    // In words, for the page's script (which keeps none of its own): each count, and the result as the page shows it.
    expect(lines.find((l) => l.progress?.phase === 'writing').text).toMatch(/^正在写入：\d+ \/ 1 行（已导入 \d+，跳过 \d+）$/);
    expect(textOf(lines.at(-1).html)).toContain('导入完成：共 1 行，已导入 1 行，已存在而跳过 0 行。');
    expect(lines.at(-1).html).toContain('data-testid="import-result"');
    // Without the CSRF token: refused, nothing written.
    const after = await fingerprint(to);
    expect((await post(court, { kind: 'cases' }, csv)).status).toBe(403);
    const big = await post(court, { _csrf: csrf, kind: 'cases' }, new Uint8Array(MAX_UPLOAD_BYTES + 100 * 1024));
    expect(big.status).toBe(413);
    expect(textOf(big.text)).toContain('上传的文件不能超过 20 MiB');
    expect(await fingerprint(to)).toEqual(after);

    const admin = await signIn({ name: '管理员 导入', role: 'admin' }, 'imp-admin');
    const adminPage = await admin.get('/imports');
    expect(adminPage.text).toContain('<option value="stations">联络站</option>');
    expect(adminPage.text).not.toContain('value="cases"');
    const refused = await post(admin, { _csrf: csrfOf(adminPage.text), kind: 'cases', dryRun: 'true' }, csv);
    expect(refused.status).toBe(403);
    const station = await signIn({ name: '站 导入', role: 'station', stationCode: 'HL01' }, 'imp-station');
    expect((await station.get('/imports')).status).toBe(403);
  });
});

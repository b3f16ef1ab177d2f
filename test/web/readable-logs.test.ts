/**
 * Audit d §9 and §6 without a browser, on both databases: a case opened from a citizen's
 * submission says when the citizen sent it (and links to it for the staff who handle it), never
 * the submission's id or receipt code; the audit log names users, deputies and stations and says
 * each detail in Chinese words, while its CSV stays as the machines read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../src/format.js';
import { createWorld, type World } from '../helpers/world.js';
import { signedInPeople, textOf, type WebClient } from '../helpers/web.js';

let w: World;
let people: Record<string, WebClient> = {};
let logins: Record<string, string> = {};

beforeAll(async () => {
  w = await createWorld();
  ({ people, logins } = await signedInPeople(w, 'rl', {
    station: { name: '呼兰站 刘', role: 'station', stationCode: 'HL01' },
    court: { name: '李书记员', role: 'court' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
    committee: { name: '周委员', role: 'committee' },
  }));
});
afterAll(async () => w?.close());

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('a case opened from a citizen submission (audit d §9)', () => {
  let caseId = '';
  let submissionId = '';
  let receipt = '';
  let submittedAt = '';

  beforeAll(async () => {
    const sent = await w.call(null, 'POST', '/api/public/submissions', { stationCode: 'HL01', name: '赵老汉', phone: '13811112222', counterparty: '邻居', disputeType: '邻里纠纷', description: '邻居占用楼道', consent: true });
    expect(sent.status).toBe(201);
    receipt = sent.body.receipt;
    const [pending] = (await w.call(w.tokens.stationHL, 'GET', '/api/submissions?status=pending')).body.items;
    submissionId = pending.id;
    submittedAt = pending.submittedAt;
    const accepted = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${submissionId}/accept`, { track: 'pre_filing' });
    expect(accepted.status).toBe(201);
    caseId = accepted.body.id;
    await w.send(caseId, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  });

  it('its history says when the citizen sent it and links the station to the submission; no id, no receipt code', async () => {
    const page = await people.station.get(`/cases/${caseId}`);
    expect(page.status).toBe(200);
    const text = textOf(page.text);
    expect(text).toContain(`来自扫码提交 群众于 ${formatDateTime(submittedAt)} 扫码提交 查看来件`);
    expect(page.text).toContain(`href="/submissions/${submissionId}"`);
    expect(text).not.toContain(submissionId);
    expect(text.replace(/-/g, '')).not.toContain(receipt.replace(/-/g, ''));
    // The link leads to the submission itself.
    const opened = await people.station.get(`/submissions/${submissionId}`);
    expect(opened.status).toBe(200);
    expect(textOf(opened.text)).toContain('邻居占用楼道');
    // Accepted, it keeps no name or phone of its own: they are the case's parties (DESIGN §10).
    expect(textOf(opened.text)).not.toContain('赵老汉');
    expect(opened.text).toContain(`href="/cases/${caseId}"`);
  });

  it('the assigned deputy reads the time but gets no link: the submission is for the staff who handle it', async () => {
    const page = await people.deputy.get(`/cases/${caseId}`);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain(`群众于 ${formatDateTime(submittedAt)} 扫码提交`);
    expect(page.text).not.toContain(`/submissions/${submissionId}`);
    expect(textOf(page.text)).not.toContain(submissionId);
    expect((await people.deputy.get(`/submissions/${submissionId}`)).status).toBe(403);
  });
});

describe('the audit log in words (audit d §6)', () => {
  it('names the target, says the detail as Chinese pairs, shortens request ids; the CSV keeps the raw values', async () => {
    const page = await people.committee.get('/audit?action=user.create');
    expect(page.status).toBe(200);
    const rows = textOf(page.text.slice(page.text.indexOf('data-testid="audit"')));
    // The committee member's own creation, as a reviewer reads it.
    expect(rows).toContain('用户 周委员');
    expect(rows).toContain('角色：人大常委会工作人员');
    expect(rows).toContain(`登录名：${logins.committee}`);
    expect(rows).toContain('初始密码：已设置');
    // A station user's row names the station; a deputy user's row names the deputy.
    expect(rows).toContain('联络站：呼兰区人民法院人大代表联络站（HL01）');
    expect(rows).toContain('对应代表：王丽');
    expect(rows).not.toContain('{"');
    expect(rows).not.toMatch(UUID);

    const deputies = textOf((await people.committee.get('/audit?action=deputy.create')).text);
    expect(deputies).toContain('人大代表 王丽');
    expect(deputies).toContain('代表层级：区（县）人大代表');

    const csv = (await people.committee.get('/audit.csv?action=user.create')).text;
    expect(csv).toMatch(UUID);
    expect(csv).toContain(`""login"":""${logins.committee}""`);
  });
});

describe('a filter the logs cannot read (COMMON: a refusal says its reason)', () => {
  it('the audit log and the access log answer 400 with the filters kept and each reason in Chinese, under its label; the CSVs too', async () => {
    const audit = await people.committee.get('/audit?from=2026%2F12%2F01&action=user.create');
    expect(audit.status).toBe(400);
    const said = textOf(audit.text);
    expect(said).toMatch(/起始日期\s*：请填写有效的日期，例如 2026-11-24/);
    // Under the field too, and in words for people: the API's ISO 8601 is not theirs.
    expect(audit.text).toMatch(/<small class="field-error" id="err-from"[^>]*>请填写有效的日期，例如 2026-11-24<\/small>/);
    expect(said).not.toContain('ISO');
    // The form comes back as typed, to be corrected there.
    expect(audit.text).toContain('value="2026/12/01"');
    // …in a text field: a date picker shows what it cannot read as blank.
    expect(audit.text).toMatch(/<input type="text" name="from" id="f-from" value="2026\/12\/01" aria-invalid="true"/);
    expect(audit.text).toContain('href="#f-from"');
    expect(audit.text).toContain('id="f-from"');

    const access = await people.committee.get('/access-log?to=2026-02-30');
    expect(access.status).toBe(400);
    expect(textOf(access.text)).toMatch(/截止日期\s*：请填写有效的日期，例如 2026-11-24/);

    const csv = await people.committee.get('/audit.csv?from=yesterday');
    expect(csv.status).toBe(400);
    expect(textOf(csv.text)).toContain('起始日期：请填写有效的日期，例如 2026-11-24');
    // Back to the log with the same filters, where the field is marked.
    expect(csv.text).toContain('href="/audit?from=yesterday"');
    expect(textOf((await people.committee.get('/access-log.csv?from=yesterday')).text)).toContain('起始日期：请填写有效的日期');
  });
});

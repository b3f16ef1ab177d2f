/**
 * The layout is the architecture (STYLE.md): each layer imports only downward, the engine returns
 * data (no labels), the JSON API and the web do not reach into each other, and a refusal is worded
 * from its reason at the edge — the API with machine names, the web with labels.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { messageOf } from '../../src/messages.js';
import { webWording } from '../../src/web/wording.js';
import { noticeText, todoTitle } from '../../src/words.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every module a directory's files import (relative specifiers, resolved against src/). */
function importsOf(dir: string): { file: string; target: string }[] {
  return filesUnder(join(SRC, dir)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => ({
      file: file.slice(SRC.length + 1),
      target: join(file, '..', m[1]).slice(SRC.length + 1),
    })),
  );
}

const offending = (dir: string, forbidden: RegExp) => importsOf(dir).filter((i) => forbidden.test(i.target));

describe('layers', () => {
  it('src/machines imports nothing from the engine, the database or the edges', () => {
    expect(offending('machines', /^(engine|db|api|web|edge)\/|^labels\.js$|^messages\.js$/)).toEqual([]);
  });
  it('the engine imports no labels and nothing of HTTP or the pages (the report CSV is written at the edge)', () => {
    expect(offending('engine', /^(api|web|edge)\/|^labels\.js$|^words\.js$|^format\.js$/)).toEqual([]);
  });
  it('the JSON API does not import the web, nor the web the API', () => {
    expect(offending('api', /^web\//)).toEqual([]);
    expect(offending('web', /^api\//)).toEqual([]);
  });
});

describe('a to-do line is worded at the edge', () => {
  it('from the item the engine returns, and a digest stored with its line keeps it', () => {
    const entity = { number: '(2026)黑0111民调1号' };
    expect(todoTitle({ kind: 'deadline', entity, subject: '邻里纠纷', level: 'warning', deadline: 'performance', daysLeft: 2 })).toBe('履行期限还剩2天：邻里纠纷');
    expect(todoTitle({ kind: 'deadline', entity, subject: '邻里纠纷', level: 'overdue', deadline: 'mediation_expiry', daysLeft: -3 })).toBe('调解期限已届满3天：邻里纠纷');
    expect(todoTitle({ kind: 'deadline', entity, subject: '邻里纠纷', level: 'warning', deadline: 'performance', daysLeft: 0 })).toBe('履行期限今日届满：邻里纠纷');
    expect(todoTitle({ kind: 'session', entity, subject: '呼兰站调解室', level: 'normal' })).toBe('调解会议：呼兰站调解室');
    expect(todoTitle({ kind: 'calendar_missing', entity: { number: '2028' }, level: 'warning' })).toBe('2028 年法定节假日安排尚未录入');
    const digest = (items: unknown[]) => noticeText('daily_digest', '2026-12-04', { items }).body;
    expect(digest([{ kind: 'deadline', number: 'A1', subject: '借贷纠纷', level: 'warning', deadline: 'performance', daysLeft: 1 }])).toBe('履行期限还剩1天：借贷纠纷（案件 A1）。');
    expect(digest([{ kind: 'deadline', number: 'A1', title: '履行期限还剩5天：借贷纠纷', level: 'warning' }])).toBe('履行期限还剩5天：借贷纠纷（案件 A1）。');
  });
});

describe('one refusal, two wordings', () => {
  it('the API names states and events as it spells them; a page says their labels', () => {
    const params = { state: 'mediation.active', event: 'ACCEPT' };
    expect(messageOf('transition.not_accepted', params)).toBe('当前状态 mediation.active 不接受事件 ACCEPT');
    expect(messageOf('transition.not_accepted', params, webWording)).toBe('当前状态「调解中」不接受事件「受理」');
  });
  it('an event named for API clients is left out for people; instants become Shanghai times', () => {
    expect(messageOf('transition.not_enforceable', {})).toBe('协议未经司法确认，不具有强制执行力：请另行起诉（FILE_LAWSUIT）');
    expect(messageOf('transition.not_enforceable', {}, webWording)).toBe('协议未经司法确认，不具有强制执行力：请另行起诉');
    expect(messageOf('transition.mediation_not_due', { dueAt: '2026-04-01T16:00:00.000Z' }, webWording)).toBe('调解期限尚未届满（2026-04-02 00:00）');
  });
  it('a field left to choose from a list is asked for as such on a page, in the schema’s words in the API', () => {
    const e = { field: 'reason', reason: 'field.schema' as const, params: { message: '无效选项：期望以下之一 "a"|"b"', issue: 'invalid_value', values: ['a', 'b'] } };
    expect(webWording.field(e)).toBe('请从列表中选择');
    expect(messageOf('invalid.body', { errors: [e] })).toBe('请求内容有误：reason 无效选项：期望以下之一 "a"|"b"');
  });
});

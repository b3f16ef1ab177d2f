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
  it('the engine imports no labels and nothing of HTTP or the pages (the report CSV aside, for now)', () => {
    expect(offending('engine', /^(api|web|edge)\/|^labels\.js$/).filter((i) => i.file !== 'engine/reports.ts')).toEqual([]);
  });
  it('the JSON API does not import the web, nor the web the API', () => {
    expect(offending('api', /^web\//)).toEqual([]);
    expect(offending('web', /^api\//)).toEqual([]);
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

/**
 * What every zod issue says when its schema gives no words of its own: one plain Chinese sentence,
 * the same for the API's field errors, the web's forms and an import's rows (src/machines/fields.ts
 * installs it). zod's own zh-CN locale writes "数值过大：期望 string <=50 字符", words of the
 * validator nobody filling in a form reads; these say the limit and what was given, in the words
 * a form uses ("最多 50 个字（现有 200 个字）").
 */
import type { z } from 'zod';

/** What a schema says of a field left out. */
export const REQUIRED = '必填';

/** A value of this JSON type, as a sentence names it. */
const TYPE_WORDS: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  boolean: 'true 或 false',
  array: '列表',
  object: '对象',
  date: '日期',
  null: 'null',
  bigint: '整数',
};
const typeWord = (t: string) => TYPE_WORDS[t] ?? t;

/** What is counted, by the issue's origin: characters of text, entries of a list. */
const UNITS: Record<string, string> = { string: '个字', array: '项', set: '项', map: '项', file: '字节' };

/** How many of `unit` the value given has, when it can be told. */
function countOf(input: unknown): number | undefined {
  if (typeof input === 'string' || Array.isArray(input)) return input.length;
  if (input instanceof Set || input instanceof Map) return input.size;
  return undefined;
}

const shown = (v: unknown) => (typeof v === 'string' ? `“${v}”` : String(v));

/** A bound as the largest (or smallest) value allowed: `< 5` of whole things is `<= 4`. */
const bound = (n: number | bigint, inclusive: boolean | undefined, step: 1 | -1) => (inclusive === false ? Number(n) - step : Number(n));

type RawIssue = z.core.$ZodRawIssue;

/** One issue as a sentence (never undefined: every code has its words). */
export function issueWords(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return REQUIRED;
      return `须为${typeWord(String(issue.expected))}`;
    case 'too_big': {
      const unit = UNITS[String(issue.origin)];
      if (!unit) return issue.inclusive === false ? `须小于 ${issue.maximum}` : `不能大于 ${issue.maximum}`;
      const has = countOf(issue.input);
      const now = has === undefined ? '' : `（现有 ${has} ${unit}）`;
      if (issue.exact) return `须为 ${issue.maximum} ${unit}${now}`;
      return `最多 ${bound(issue.maximum, issue.inclusive, 1)} ${unit}${now}`;
    }
    case 'too_small': {
      const unit = UNITS[String(issue.origin)];
      if (!unit) {
        if (issue.inclusive === false) return `须大于 ${issue.minimum}`;
        return Number(issue.minimum) === 0 ? '不能为负数' : `不能小于 ${issue.minimum}`;
      }
      const least = bound(issue.minimum, issue.inclusive, -1);
      const has = countOf(issue.input);
      if (issue.exact) return `须为 ${issue.minimum} ${unit}${has === undefined ? '' : `（现有 ${has} ${unit}）`}`;
      if (unit === '个字') return least <= 1 ? '不能为空' : `至少 ${least} 个字${has === undefined ? '' : `（现有 ${has} 个字）`}`;
      return least <= 1 ? '至少选择一项' : `至少 ${least} ${unit}`;
    }
    case 'invalid_value':
      if (issue.values.length === 1) return `须为 ${shown(issue.values[0])}`;
      return `须为以下之一：${issue.values.map(shown).join('、')}`;
    case 'invalid_format':
      switch (issue.format) {
        case 'email':
          return '须为有效的电子邮件地址';
        case 'url':
          return '须为有效的网址，例如 https://example.org/';
        case 'uuid':
        case 'guid':
          return '须为有效的编号（UUID）';
        case 'starts_with':
          return `须以 ${shown((issue as { prefix?: string }).prefix)} 开头`;
        case 'ends_with':
          return `须以 ${shown((issue as { suffix?: string }).suffix)} 结尾`;
        default:
          return '格式不正确';
      }
    case 'not_multiple_of':
      return `须为 ${issue.divisor} 的整数倍`;
    case 'unrecognized_keys':
      return `不能包含以下字段：${issue.keys.join('、')}`;
    case 'invalid_union': {
      // Every alternative refused only the value's type (text or a number): say which types are taken.
      const types = (issue.errors ?? []).map((e) => (e.length === 1 && e[0].code === 'invalid_type' ? e[0].expected : null));
      if (issue.input === undefined) return REQUIRED;
      if (types.length && types.every((t) => t !== null)) return `须为${[...new Set(types.map((t) => typeWord(String(t))))].join('或')}`;
      return '格式不正确';
    }
    case 'invalid_key':
      return '含有无效的键';
    case 'invalid_element':
      return '含有无效的值';
    default:
      return '填写有误';
  }
}

/**
 * Field schemas shared by both machines' event payloads. Pure zod: the machines validate what
 * they are sent; the engine parses every event through these before the transition.
 */
import { z } from 'zod';
import { addMonthsToDate, endOfDate, isoAt, isValidDate, shanghaiDate } from './calendar.js';
import { issueWords, REQUIRED } from './issues.js';
import { fenToYuan, toFen } from './money.js';

export { REQUIRED };

// Every issue a schema does not word itself, in plain Chinese (src/machines/issues.ts), not zod's
// own zh-CN words ("数值过大：期望 string <=50 字符").
z.config({ localeError: issueWords });

/** A date or time left blank (a form's empty input sends ""): as a field left out. */
const blankOr = (message: string) => (issue: { input?: unknown }) => (issue.input === '' || issue.input === undefined ? REQUIRED : message);

const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A zoned ISO 8601 instant on a real calendar date. `Date.parse` alone rolls 2026-02-30 over
 * to 03-02 and reads a zone-less time in the server's own zone, so both are refused.
 */
const isZonedInstant = (s: string) => ZONED_INSTANT.test(s) && isValidDate(s.slice(0, 10)) && (IN_UTC_FORM.test(s) || !Number.isNaN(Date.parse(s)));

/**
 * The form `toISOString()` writes (UTC, milliseconds; hours 00–23, so never `24:00`, which Date
 * reads as the next day): on a real date such an instant parses, and is already its own normal
 * form. Most instants an event carries are in it (clients send `toISOString()`, the engine
 * defaults `occurredAt` with it): those skip the two Date parses, most of an event's parse.
 */
const IN_UTC_FORM = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** A time that is none, as the API says it (a form says it in its own words, src/web/wording.ts). */
export const INSTANT_MESSAGE = '须为带时区的 ISO 8601 时间，例如 2026-11-24T09:30:00+08:00';
/** A date that is none, as the API says it (a form says it in its own words, src/web/wording.ts). */
export const DATE_MESSAGE = '须为日期 YYYY-MM-DD，例如 2026-11-24';
/** A bound of a log's period (a date or an instant) that is neither, as the API says it (a form: src/web/wording.ts). */
export const DATE_OR_INSTANT_MESSAGE = '须为日期（2026-12-01）或 ISO 8601 时间';

/** An instant in ISO 8601 with a zone, normalised to UTC. */
export const instant = z
  .string()
  .refine(isZonedInstant, { error: blankOr(INSTANT_MESSAGE) })
  // Every event has two or three: one already in toISOString()'s form is kept as it is; any
  // other is written by arithmetic (isoAt), not Date's toISOString.
  .transform((s) => (IN_UTC_FORM.test(s) ? s : isoAt(Date.parse(s))));

/** A calendar date YYYY-MM-DD; a full instant is accepted and read as its Shanghai date. */
export const calendarDate = z
  .string()
  // An instant's Shanghai date must be a date too: 9999-12-31T20:00Z is 10000-01-01 there, which
  // toISOString writes "+010000-01-01", no date any arithmetic can take.
  .refine((s) => isValidDate(s) || (isZonedInstant(s) && isValidDate(shanghaiDate(s))), { error: blankOr(DATE_MESSAGE) })
  .transform((s) => (isValidDate(s) ? s : shanghaiDate(s)));

/**
 * How far ahead of the day an event happens a date or time it sets may lie: an agreement's due
 * date and instalments, a session, a report's or a rectification's due date. A hundred years
 * holds any plan of performance people sign (120 monthly instalments are ten years; support until
 * a child comes of age, eighteen) and any "far off" date a client may use for one (2099), refuses
 * a mistyped millennium (9999), and keeps every deadline derived from such a date (the two-year
 * enforcement bar, then Art 85) inside the calendar's years (to 2200), the arithmetic and the
 * database write (DESIGN §3, §11).
 */
export const HORIZON_YEARS = 100;

/**
 * The one rule for every date or time an event sets ahead: each of `fields` (path → value as
 * parsed) lies at most HORIZON_YEARS after the Shanghai day of the event's occurredAt. For an
 * object schema's superRefine; a field that failed its own check is left to that check's error
 * (zod runs this with its raw value then).
 * @example z.object({ dueDate: calendarDate, ...at }).superRefine(withinHorizon((v) => [[['dueDate'], v.dueDate]]))
 */
export function withinHorizon<T extends { occurredAt?: unknown }>(fields: (v: T) => [path: (string | number)[], value: unknown][]) {
  return (v: T, ctx: z.RefinementCtx) => {
    if (typeof v.occurredAt !== 'string' || !isZonedInstant(v.occurredAt)) return;
    const last = addMonthsToDate(shanghaiDate(v.occurredAt), HORIZON_YEARS * 12);
    // An event dated in the far future (refused as such after parsing) has a horizon past 9999,
    // where no date or time typed lies.
    if (!isValidDate(last)) return;
    const refused = new Set(ctx.issues.map((i) => (i.path ?? []).join('.')));
    for (const [path, value] of fields(v)) {
      if (typeof value !== 'string' || refused.has(path.join('.'))) continue;
      const beyond = isValidDate(value) ? value > last : isZonedInstant(value) && Date.parse(value) >= Date.parse(endOfDate(last));
      if (beyond) ctx.addIssue({ code: 'custom', path, message: `须在事件发生之日起 ${HORIZON_YEARS} 年内（不晚于 ${last}）` });
    }
  };
}

/** An amount that is not one, as the API says it (a form says it in its own words, src/web/wording.ts). */
export const AMOUNT_MESSAGE = '金额须为不超过两位小数的非负数，例如 "12000.50"';

/** Yuan with at most two decimals, as a string or number; normalised to "12000.50". */
export const amount = z
  .union([z.string(), z.number()])
  .refine((v) => toFen(v) !== null, { message: AMOUNT_MESSAGE })
  .transform((v) => fenToYuan(toFen(v)!));

export const positiveAmount = amount.refine((v) => toFen(v)! > 0, { message: '金额须大于 0' });

/** A date only (no time), as a register or a filter takes it. */
export const plainDate = z.string().trim().refine(isValidDate, { error: blankOr(DATE_MESSAGE) });

/**
 * A count of whole things from `min` to `max` (people received, days granted): one sentence for
 * every way it can be wrong — a fraction, text, out of range — that says the whole rule.
 * @example wholeNumber(0, 1_000_000) // "2.5" → 须为 0–1000000 之间的整数
 */
export const wholeNumber = (min: number, max: number) => {
  const error = (issue: { input?: unknown }) => (issue.input === undefined ? REQUIRED : `须为 ${min}–${max} 之间的整数`);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const text = (max = 2000) => z.string().trim().min(1, { message: '不能为空' }).max(max);
export const optionalText = (max = 2000) => z.string().trim().max(max).optional();

export const id = z.string().trim().min(1).max(64);

const MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
/** Area code (010, 021, 0451 …) and a 7- or 8-digit number, the dash optional. */
const LANDLINE = /^0\d{2,3}-?[1-9]\d{6,7}$/;

/**
 * Is this a Chinese mobile number (1[3-9] and nine digits, +86 allowed) or a landline with its
 * area code? Spaces and the dashes people type inside a mobile number are ignored.
 * @example isPhoneNumber('138 1234 5678') // true
 * @example isPhoneNumber('0451-86623456') // true
 */
export function isPhoneNumber(raw: string): boolean {
  const s = raw.replace(/\s/g, '');
  return MOBILE.test(s.replace(/-/g, '')) || LANDLINE.test(s);
}

/** A phone as stored: digits only, a mobile without its +86. @example normalisePhone('+86 138-1234-5678') // '13812345678' */
export function normalisePhone(raw: string): string {
  const digits = raw.replace(/[\s-]/g, '');
  return digits.replace(/^\+?86(?=1\d{10}$)/, '');
}

export const PHONE_MESSAGE = '请填写 11 位手机号码（如 13812345678）或带区号的固定电话（如 0451-86623456）';

/**
 * The one phone validator, for every phone anyone enters: parties, deputies, citizens' submissions
 * (issue 15 §4).
 */
export const phoneNumber = z.string().trim().refine(isPhoneNumber, { message: PHONE_MESSAGE }).transform(normalisePhone);

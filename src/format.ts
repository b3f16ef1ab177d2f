/** Formats: Asia/Shanghai (UTC+8 all year), yuan as ¥12,000.50. */

const SHANGHAI_MS = 8 * 3_600_000;
const DAY = 86_400_000;

function shanghaiParts(iso: string): string {
  return new Date(Date.parse(iso) + SHANGHAI_MS).toISOString();
}

/** @example formatDateTime('2026-11-24T01:30:00Z') // '2026-11-24 09:30' */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '—';
  const s = shanghaiParts(iso);
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

/** A calendar date as is; an instant as its Shanghai date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return Number.isNaN(Date.parse(value)) ? value : shanghaiParts(value).slice(0, 10);
}

/** @example formatYuan('12000.5') // '¥12,000.50' */
export function formatYuan(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const int = m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${m[1]}¥${int}.${(m[3] ?? '').padEnd(2, '0')}`;
}

export type DeadlineTone = 'ok' | 'soon' | 'today' | 'over';

/**
 * A deadline for people: its last day and the days left, counted in Shanghai calendar days.
 * `dueAt` is the instant the period has run out (the start of the day after its last day).
 */
export function deadlineText(dueAt: string, now: Date): { lastDay: string; daysLeft: number; text: string; tone: DeadlineTone } {
  const lastDay = shanghaiParts(new Date(Date.parse(dueAt) - 1).toISOString()).slice(0, 10);
  const today = shanghaiParts(now.toISOString()).slice(0, 10);
  const daysLeft = Math.round((Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY);
  if (Date.parse(dueAt) <= now.getTime()) return { lastDay, daysLeft, text: `已届满 ${Math.max(1, -daysLeft)} 天`, tone: 'over' };
  if (daysLeft === 0) return { lastDay, daysLeft, text: '今日届满', tone: 'today' };
  return { lastDay, daysLeft, text: `剩余 ${daysLeft} 天`, tone: daysLeft <= 3 ? 'soon' : 'ok' };
}

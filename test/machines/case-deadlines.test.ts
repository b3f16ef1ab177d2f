/**
 * The deadlines a case snapshot implies are the same whether `caseDeadlines` computes them or
 * reuses the list of a snapshot with the same inputs (case-spec.ts `deadlineInputs`): along whole
 * journeys, each step read as the write path reads it (a row's snapshot, parsed afresh), the new
 * snapshot's deadlines asked first and then the read one's, as `attemptEvent` asks. And how far a
 * deadline is from now reads the same from milliseconds as it did through ISO strings.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { caseDeadlines, caseSpec, snapshotDeadlines } from '../../src/machines/case-spec.js';
import { shanghaiDate, shanghaiDateAt, shanghaiDay } from '../../src/machines/calendar.js';
import { deadlineStatus } from '../../src/engine/legal-time.js';
import { firstSnapshot, nextSnapshot } from '../../src/engine/transition.js';

const day = 86_400_000;
const t0 = Date.parse('2026-03-02T01:00:00.000Z');
const at = (days: number) => new Date(t0 + days * day).toISOString();
const machine = caseSpec.machine;

/** A snapshot as a row holds it: persisted, through JSON, resolved again (no object shared). */
const reread = (s: AnyMachineSnapshot) => {
  const p = JSON.parse(JSON.stringify(machine.getPersistedSnapshot(s)));
  return machine.resolveState({ value: p.value, context: p.context });
};

function walk(input: Record<string, unknown>, events: Record<string, unknown>[]) {
  let s = firstSnapshot(machine, { track: 'pre_filing', procedure: 'ordinary', source: 'walk_in', stationCode: 'HL01', disputeType: '民间借贷纠纷', summary: '借款未还', claimAmount: '12000.00', occurredAt: at(0), ...input });
  const reused: string[] = [];
  const kinds = new Set<string>();
  for (const raw of events) {
    const parsed = caseSpec.eventSchemas[raw.type as string].parse(raw) as object;
    const event = { type: raw.type as string, ...parsed };
    const read = reread(s);
    const next = nextSnapshot(machine, read, event);
    const after = caseDeadlines(next);
    expect(after).toEqual(snapshotDeadlines(next));
    const before = caseDeadlines(read);
    expect(before).toEqual(snapshotDeadlines(read));
    if (before === after) reused.push(event.type);
    for (const d of after) kinds.add(d.kind);
    s = next;
  }
  return { reused, kinds, last: s };
}

describe('caseDeadlines reusing the list of the same inputs', () => {
  it('match a fresh computation through mediation, pause, extension, an instalment agreement, payments, default and enforcement', () => {
    const { reused, kinds } = walk({}, [
      { type: 'ACCEPT', occurredAt: at(1) },
      { type: 'ASSIGN', deputyIds: ['d1', 'd2'], mediatorName: '王芳', occurredAt: at(2) },
      { type: 'SCHEDULE_SESSION', at: at(4), location: '调解室', occurredAt: at(3) },
      { type: 'RECORD_SESSION', heldAt: at(4), attendeeDeputyIds: ['d1'], minutes: '初步意见', occurredAt: at(4) },
      { type: 'RECUSE', deputyId: 'd2', reason: '亲属', occurredAt: at(5) },
      { type: 'PAUSE', reason: '鉴定', occurredAt: at(7) },
      { type: 'RESUME', occurredAt: at(12) },
      { type: 'EXTEND', days: 10, partiesConsent: true, occurredAt: at(13) },
      {
        type: 'REACH_AGREEMENT',
        terms: '分期',
        amount: '12000.00',
        dueDate: '2026-06-01',
        installments: [
          { dueDate: '2026-04-01', amount: '4000.00' },
          { dueDate: '2026-05-01', amount: '4000.00' },
          { dueDate: '2026-06-01', amount: '4000.00' },
        ],
        occurredAt: at(14),
      },
      // A payment that covers the first instalment moves performance to the second's date.
      { type: 'RECORD_PERFORMANCE', amount: '4000.00', occurredAt: at(20) },
      { type: 'RECORD_PERFORMANCE', amount: '100.00', occurredAt: at(21) },
      { type: 'APPLY_CONFIRMATION', occurredAt: at(22) },
      { type: 'CONFIRM', rulingNumber: '(2026)黑0111民特1号', occurredAt: at(23) },
      { type: 'PERFORMANCE_OVERDUE', occurredAt: at(70) },
      { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执1号', occurredAt: at(71) },
      { type: 'RECORD_MEASURE', kind: 'freeze', occurredAt: at(72) },
      { type: 'SUSPEND', reason: '无财产', occurredAt: at(80) },
      { type: 'RESUME', occurredAt: at(90) },
      { type: 'RECORD_RECOVERY', amount: '1000.00', occurredAt: at(95) },
      { type: 'ENFORCEMENT_OVERDUE', occurredAt: at(400) },
      { type: 'CONCLUDE', result: 'fulfilled', occurredAt: at(401) },
    ]);
    // The journey passed through every kind of deadline, and sessions reused the read one's list.
    expect([...kinds].sort()).toEqual(['confirmation_window', 'enforcement_bar', 'enforcement_limit', 'mediation_expiry', 'performance']);
    expect(reused).toContain('RECORD_SESSION');
    expect(reused).toContain('SCHEDULE_SESSION');
    expect(reused).not.toContain('RECORD_PERFORMANCE');
  });

  it('match a fresh computation through a post-filing agreement left to default (the enforcement bar)', () => {
    const { kinds } = walk({ track: 'post_filing' }, [
      { type: 'ACCEPT', occurredAt: at(1) },
      { type: 'ASSIGN', deputyIds: ['d1'], occurredAt: at(2) },
      { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '12000.00', dueDate: '2026-04-01', occurredAt: at(3) },
      { type: 'RECORD_PERFORMANCE', amount: '1000.00', occurredAt: at(10) },
      { type: 'REPORT_DEFAULT', occurredAt: at(40) },
      { type: 'RECORD_PERFORMANCE', amount: '1000.00', occurredAt: at(41) },
      { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执2号', occurredAt: at(42) },
    ]);
    expect(kinds).toContain('enforcement_bar');
  });
});

describe('dates from milliseconds', () => {
  // The forms these replaced, kept here as the reference.
  const oldShanghaiDate = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
  const oldStatus = (dueAt: string, now: Date, warningDays: number) => {
    const diff = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / day);
    const lastDay = shanghaiDate(new Date(Date.parse(dueAt) - 1).toISOString());
    const daysLeft = diff(shanghaiDate(now.toISOString()), lastDay);
    return { daysLeft, level: now.getTime() >= Date.parse(dueAt) ? 'overdue' : daysLeft <= warningDays ? 'warning' : 'normal' };
  };

  it('shanghaiDateAt is shanghaiDate of the same instant, across day and year edges', () => {
    for (let ms = Date.parse('2026-12-30T00:00:00Z'); ms < Date.parse('2027-01-02T00:00:00Z'); ms += 7 * 60_000 + 1) {
      const iso = new Date(ms).toISOString();
      expect(shanghaiDateAt(ms)).toBe(oldShanghaiDate(iso));
      expect(shanghaiDate(iso)).toBe(oldShanghaiDate(iso));
    }
    expect(shanghaiDate('2026-03-01T09:00:00+08:00')).toBe('2026-03-01');
    expect(shanghaiDateAt(Date.parse('2026-12-31T16:00:00.000Z'))).toBe('2027-01-01');
  });

  it('shanghaiDay counts the days between Shanghai dates, from 1900 to 2200', () => {
    const byDates = (a: number, b: number) => Math.round((Date.parse(`${shanghaiDateAt(b)}T00:00:00Z`) - Date.parse(`${shanghaiDateAt(a)}T00:00:00Z`)) / day);
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const [lo, hi] = [Date.parse('1900-01-01T00:00:00Z'), Date.parse('2200-01-01T00:00:00Z')];
    for (let i = 0; i < 20000; i++) {
      const a = Math.floor(lo + next() * (hi - lo));
      const b = i % 2 ? Math.floor(lo + next() * (hi - lo)) : a + Math.floor((next() - 0.5) * 3 * day);
      expect(shanghaiDay(b) - shanghaiDay(a)).toBe(byDates(a, b));
    }
  });

  it('deadlineStatus is what it was, for ends around now and on both sides of midnight', () => {
    const ends = ['2027-01-04T16:00:00.000Z', '2026-12-31T16:00:00.000Z', '2026-12-06T15:59:59.999Z', '2026-12-06T16:00:00.001Z', '2026-03-01T09:00:00+08:00'];
    for (let ms = Date.parse('2026-12-01T00:00:00Z'); ms < Date.parse('2027-01-10T00:00:00Z'); ms += 3 * 3_600_000 + 17) {
      const now = new Date(ms);
      for (const end of ends) for (const w of [0, 5]) expect(deadlineStatus(end, now, w)).toEqual(oldStatus(end, now, w));
    }
  });
});

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
import { at, caseInput, day, preFilingJourney, walk, type JourneyEvent } from '../helpers/journeys.js';

const machine = caseSpec.machine;

/** A snapshot as a row holds it: persisted, through JSON, resolved again (no object shared). */
const reread = (s: AnyMachineSnapshot) => {
  const p = JSON.parse(JSON.stringify(machine.getPersistedSnapshot(s)));
  return machine.resolveState({ value: p.value, context: p.context });
};

function walkDeadlines(input: Record<string, unknown>, events: JourneyEvent[]) {
  const reused: string[] = [];
  const kinds = new Set<string>();
  walk(
    caseSpec,
    caseInput(input),
    events,
    (next, step) => {
      if (!step) return;
      const after = caseDeadlines(next);
      expect(after).toEqual(snapshotDeadlines(next));
      const before = caseDeadlines(step.before);
      expect(before).toEqual(snapshotDeadlines(step.before));
      if (before === after) reused.push(step.event.type);
      for (const d of after) kinds.add(d.kind);
    },
    reread,
  );
  return { reused, kinds };
}

describe('caseDeadlines reusing the list of the same inputs', () => {
  it('match a fresh computation through mediation, pause, extension, an instalment agreement, payments, default and enforcement', () => {
    const { reused, kinds } = walkDeadlines({}, preFilingJourney());
    // The journey passed through every kind of deadline, and sessions reused the read one's list.
    expect([...kinds].sort()).toEqual(['confirmation_window', 'enforcement_bar', 'enforcement_limit', 'mediation_expiry', 'performance']);
    expect(reused).toContain('RECORD_SESSION');
    expect(reused).toContain('SCHEDULE_SESSION');
    expect(reused).not.toContain('RECORD_PERFORMANCE');
  });

  it('match a fresh computation through a post-filing agreement left to default (the enforcement bar)', () => {
    const { kinds } = walkDeadlines({ track: 'post_filing' }, [
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

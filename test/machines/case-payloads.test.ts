/**
 * Payload validation: the engine parses every event through `caseEventSchemas[type]` and every
 * creation through `caseInputSchema` before the machine sees it. A refusal here is a 400 with the
 * field errors; these tests pin which fields are blamed.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { caseEventSchemas, caseInputSchema, type CaseEventType } from '../../src/machines/case.js';

const AT = '2026-03-02T10:00:00+08:00';

function check(type: CaseEventType, payload: Record<string, unknown>) {
  return (caseEventSchemas[type] as z.ZodType).safeParse({ occurredAt: AT, ...payload });
}
/** The dotted paths of the fields a payload is refused for; [] when it is accepted. */
function blamed(result: z.ZodSafeParseResult<unknown>): string[] {
  return result.success ? [] : [...new Set(result.error.issues.map((i) => i.path.join('.')))].sort();
}

describe('caseEventSchemas', () => {
  it('missing required fields are blamed by name', () => {
    expect(blamed(check('ASSIGN', {}))).toEqual(['deputyIds']);
    expect(blamed(check('RETURN', {}))).toEqual(['reason']);
    expect(blamed(check('RECUSE', {}))).toEqual(['deputyId', 'reason']);
    expect(blamed(check('REACH_AGREEMENT', {}))).toEqual(['amount', 'dueDate', 'terms']);
    expect(blamed(check('CONFIRM', {}))).toEqual(['rulingNumber']);
    expect(blamed(check('APPLY_ENFORCEMENT', {}))).toEqual(['enforcementCaseNumber']);
    expect(blamed(check('RECORD_PERFORMANCE', {}))).toEqual(['amount']);
    expect(blamed(check('SCHEDULE_SESSION', {}))).toEqual(['at', 'location']);
    const missing = check('ACCEPT', { occurredAt: undefined });
    expect(blamed(missing)).toEqual(['occurredAt']);
    expect(missing.success ? null : missing.error.issues[0].message).toBe('必填');
  });

  it('blank text is refused after trimming, and text is trimmed', () => {
    expect(blamed(check('RECUSE', { deputyId: 'd1', reason: '   ' }))).toEqual(['reason']);
    expect(check('PAUSE', { reason: '  鉴定  ' })).toMatchObject({ success: true, data: { reason: '鉴定' } });
  });

  it('enums are closed', () => {
    expect(blamed(check('RETURN', { reason: 'lazy' }))).toEqual(['reason']);
    expect(blamed(check('FAIL', { reason: 'deadline_expired' }))).toEqual(['reason']); // the system's reason, not a clerk's
    expect(blamed(check('RECORD_MEASURE', { kind: 'arrest' }))).toEqual(['kind']);
    expect(blamed(check('CONCLUDE', { result: 'performed' }))).toEqual(['result']);
    expect(blamed(check('CONCLUDE', { result: 'terminated_this_round' }))).toEqual([]);
  });

  it('ASSIGN needs at least one deputy, none twice', () => {
    expect(blamed(check('ASSIGN', { deputyIds: [] }))).toEqual(['deputyIds']);
    expect(blamed(check('ASSIGN', { deputyIds: ['d1', 'd1'] }))).toEqual(['deputyIds']);
    expect(blamed(check('ASSIGN', { deputyIds: ['d1', 'd2'] }))).toEqual([]);
    expect(blamed(check('RECORD_SESSION', { heldAt: AT, minutes: 'm', attendeeDeputyIds: ['d1', 'd1'] }))).toEqual([
      'attendeeDeputyIds',
    ]);
  });

  it('EXTEND needs partiesConsent: true and 1–90 whole days', () => {
    expect(blamed(check('EXTEND', { days: 10 }))).toEqual(['partiesConsent']);
    expect(blamed(check('EXTEND', { days: 10, partiesConsent: false }))).toEqual(['partiesConsent']);
    expect(blamed(check('EXTEND', { days: 10, partiesConsent: 'true' }))).toEqual(['partiesConsent']);
    for (const days of [0, 91, 1.5, -3, '10']) {
      expect(blamed(check('EXTEND', { days, partiesConsent: true })), String(days)).toEqual(['days']);
    }
    expect(check('EXTEND', { days: 90, partiesConsent: true }).success).toBe(true);
  });

  describe('REACH_AGREEMENT', () => {
    const base = { terms: '分期还款', amount: '3000', dueDate: '2026-06-30' };

    it('normalises the amount and accepts instalments that sum to it exactly', () => {
      const r = check('REACH_AGREEMENT', {
        ...base,
        amount: 3000,
        installments: [
          { dueDate: '2026-04-30', amount: '1000.10' },
          { dueDate: '2026-05-31', amount: 999.9 },
          { dueDate: '2026-06-30', amount: '1000' },
        ],
      });
      expect(r.success).toBe(true);
      expect(r.data).toMatchObject({
        amount: '3000.00',
        installments: [{ amount: '1000.10' }, { amount: '999.90' }, { amount: '1000.00' }],
        occurredAt: '2026-03-02T02:00:00.000Z',
      });
    });

    it('refuses instalments that do not sum to the amount, even by one fen', () => {
      const short = [
        { dueDate: '2026-04-30', amount: '1000' },
        { dueDate: '2026-05-31', amount: '1999.99' },
      ];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: short }))).toEqual(['installments']);
      const over = [
        { dueDate: '2026-04-30', amount: '1000' },
        { dueDate: '2026-05-31', amount: '2000.01' },
      ];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: over }))).toEqual(['installments']);
    });

    it('refuses an instalment due after the agreement’s due date, and an empty list', () => {
      const late = [{ dueDate: '2026-07-01', amount: '3000' }];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: late }))).toEqual(['installments']);
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: [] }))).toEqual(['installments']);
    });

    it('blames a bad instalment once, without a spurious sum or date error', () => {
      const badAmount = [{ dueDate: '2026-04-30', amount: 'abc' }];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: badAmount }))).toEqual(['installments.0.amount']);
      const badDate = [{ dueDate: 'soon', amount: '3000' }];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: badDate }))).toEqual(['installments.0.dueDate']);
      const good = [{ dueDate: '2026-04-30', amount: '3000' }];
      expect(blamed(check('REACH_AGREEMENT', { ...base, amount: 'abc', installments: good }))).toEqual(['amount']);
    });

    it('refuses bad amounts and dates', () => {
      expect(blamed(check('REACH_AGREEMENT', { ...base, amount: '1.005' }))).toEqual(['amount']);
      expect(blamed(check('REACH_AGREEMENT', { ...base, amount: '-5' }))).toEqual(['amount']);
      expect(blamed(check('REACH_AGREEMENT', { ...base, dueDate: '2026-02-30' }))).toEqual(['dueDate']);
      expect(blamed(check('REACH_AGREEMENT', { ...base, dueDate: '30/06/2026' }))).toEqual(['dueDate']);
      const zeroInstalment = [
        { dueDate: '2026-04-30', amount: '0' },
        { dueDate: '2026-05-31', amount: '3000' },
      ];
      expect(blamed(check('REACH_AGREEMENT', { ...base, installments: zeroInstalment }))).toEqual(['installments.0.amount']);
    });

    it('reads a zoned instant as its Shanghai date, but refuses a time without a zone', () => {
      expect(check('REACH_AGREEMENT', { ...base, dueDate: '2026-06-30T16:30:00Z' }).data).toMatchObject({ dueDate: '2026-07-01' });
      // would otherwise depend on the server's own time zone
      expect(blamed(check('REACH_AGREEMENT', { ...base, dueDate: '2026-06-30T20:00' }))).toEqual(['dueDate']);
      // would otherwise roll over to 07-01
      expect(blamed(check('REACH_AGREEMENT', { ...base, dueDate: '2026-06-31T10:00:00+08:00' }))).toEqual(['dueDate']);
    });
  });

  it('payments must be amounts, recoveries positive (a 0 performance is for the guard: only where nothing is owed)', () => {
    expect(check('RECORD_PERFORMANCE', { amount: '0' }).data).toMatchObject({ amount: '0.00' });
    expect(blamed(check('RECORD_RECOVERY', { amount: '0' }))).toEqual(['amount']);
    expect(blamed(check('RECORD_PERFORMANCE', { amount: '-1' }))).toEqual(['amount']);
    expect(blamed(check('RECORD_RECOVERY', { amount: '1.001' }))).toEqual(['amount']);
    expect(check('RECORD_RECOVERY', { amount: '0.01' }).data).toMatchObject({ amount: '0.01' });
  });

  describe('occurredAt', () => {
    it('is normalised to UTC', () => {
      expect(check('ACCEPT', { occurredAt: '2026-03-02T10:00:00+08:00' }).data).toEqual({ occurredAt: '2026-03-02T02:00:00.000Z' });
      expect(check('ACCEPT', { occurredAt: '2026-03-02T10:00+0800' }).data).toEqual({ occurredAt: '2026-03-02T02:00:00.000Z' });
      expect(check('ACCEPT', { occurredAt: '2026-03-02T02:00:00.123Z' }).data).toEqual({ occurredAt: '2026-03-02T02:00:00.123Z' });
    });

    it('refuses a time without a zone, an impossible date and junk', () => {
      for (const bad of ['2026-03-02T10:00:00', '2026-03-02', '2026-02-30T10:00:00+08:00', '2026-02-29T10:00:00Z', 'yesterday', 1772416800000]) {
        expect(blamed(check('ACCEPT', { occurredAt: bad })), String(bad)).toEqual(['occurredAt']);
      }
      expect(blamed(check('SCHEDULE_SESSION', { at: '2026-04-31T09:00:00+08:00', location: '站' }))).toEqual(['at']);
    });
  });
});

describe('caseInputSchema', () => {
  const base = {
    track: 'pre_filing',
    source: 'walk_in',
    stationCode: 'HL01',
    disputeType: '邻里纠纷',
    summary: '漏水',
    occurredAt: '2026-03-01T09:00:00+08:00',
  };
  const blamedInput = (raw: Record<string, unknown>) => blamed(caseInputSchema.safeParse(raw));

  it('defaults the procedure to ordinary and drops unknown fields', () => {
    const r = caseInputSchema.safeParse({ ...base, parties: [{ role: 'applicant', name: '甲' }] });
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject({ procedure: 'ordinary', occurredAt: '2026-03-01T01:00:00.000Z' });
    expect(r.data).not.toHaveProperty('parties');
  });

  it('a mediation case needs its track; enums are closed', () => {
    expect(blamedInput({ ...base, track: undefined })).toEqual(['track']);
    expect(blamedInput({ ...base, track: 'appeal' })).toEqual(['track']);
    expect(blamedInput({ ...base, procedure: 'summary' })).toEqual(['procedure']);
    expect(blamedInput({ ...base, source: 'email' })).toEqual(['source']);
    expect(blamedInput({ ...base, claimAmount: '1.234' })).toEqual(['claimAmount']);
  });

  it('an enforcement_referral needs its enforceable document and a positive owed amount, not a track', () => {
    const referral = { ...base, track: undefined, source: 'enforcement_referral' };
    expect(blamedInput(referral)).toEqual(['enforceableDocument', 'owedAmount']);
    expect(blamedInput({ ...referral, enforceableDocument: '(2025)民初1号', owedAmount: '0' })).toEqual(['owedAmount']);
    expect(blamedInput({ ...referral, enforceableDocument: '   ', owedAmount: '100' })).toEqual(['enforceableDocument']);
    const ok = caseInputSchema.safeParse({ ...referral, enforceableDocument: '(2025)民初1号', owedAmount: 100.5 });
    expect(ok.success).toBe(true);
    expect(ok.data).toMatchObject({ owedAmount: '100.50', enforceableDocument: '(2025)民初1号' });
  });

  it('needs the station, dispute type, summary and occurredAt', () => {
    expect(blamedInput({ source: 'walk_in', track: 'pre_filing' })).toEqual(['disputeType', 'occurredAt', 'stationCode', 'summary']);
  });
});

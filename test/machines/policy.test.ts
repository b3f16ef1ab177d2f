/**
 * The access policy (src/machines/policy.ts), pure. Expected answers are written from DESIGN.md
 * §1 and §10, not read from the policy's own tables.
 */
import { describe, expect, it } from 'vitest';
import {
  activityReadRefusal,
  activityRecordRefusal,
  can,
  caseCreateRefusal,
  canReadCase,
  canReadSupervision,
  caseScope,
  maskIdNumber,
  maskPhone,
  partyAsSeen,
  reportScope,
  rolesFor,
  seesPersonalData,
  selfAs,
} from '../../src/machines/policy.js';
import { casePermissions } from '../../src/machines/case-spec.js';
import type { Actor, Role } from '../../src/machines/roles.js';

const actor = (role: Role, extra: Partial<Actor> = {}): Actor => ({ id: `${role}-1`, role, name: role, ...extra });
const court = actor('court');
const committee = actor('committee');
const admin = actor('admin');
const stationHL = actor('station', { stationCode: 'HL01' });
const deputy = actor('deputy', { deputyId: 'd1' });
const system = actor('system');

describe('who may do what at all', () => {
  it('court staff and station staff open cases; only committee staff open supervision items', () => {
    const open = (a: Actor) => [can(a, 'case.create'), can(a, 'supervision.create')];
    expect(open(court)).toEqual([true, false]);
    expect(open(stationHL)).toEqual([true, false]);
    expect(open(deputy)).toEqual([false, false]);
    expect(open(committee)).toEqual([false, true]);
    expect(open(admin)).toEqual([false, false]);
  });

  it('the admin alone manages the directory and runs a sweep by hand', () => {
    for (const a of [court, stationHL, deputy, committee, system]) expect(can(a, 'directory.manage') || can(a, 'sweep.run')).toBe(false);
    expect(can(admin, 'directory.manage') && can(admin, 'sweep.run')).toBe(true);
  });

  it('a refusal names the people who may: no system role among them', () => {
    expect(rolesFor('supervision.read').filter((r) => r !== 'system')).toEqual(['committee', 'court', 'admin']);
  });
});

describe('cases', () => {
  const facts = { stationCode: 'HL01', deputyIds: ['d1'] };
  it('a station reads its own cases, a deputy those assigned to them, everyone else all', () => {
    expect(canReadCase(stationHL, facts)).toBe(true);
    expect(canReadCase(stationHL, { ...facts, stationCode: 'SC01' })).toBe(false);
    expect(canReadCase(actor('station'), facts)).toBe(false); // no station on the account
    expect(canReadCase(deputy, facts)).toBe(true);
    expect(canReadCase(deputy, { ...facts, deputyIds: ['d2'] })).toBe(false);
    for (const a of [court, committee, admin]) expect(canReadCase(a, facts)).toBe(true);
  });

  it('lists are scoped by the same rule', () => {
    expect(caseScope(stationHL)).toEqual({ kind: 'station', stationCode: 'HL01' });
    expect(caseScope(deputy)).toEqual({ kind: 'deputy', deputyId: 'd1' });
    expect(caseScope(committee)).toEqual({ kind: 'all' });
  });

  it('station staff open cases for their own station, received through the four station channels only', () => {
    expect(caseCreateRefusal(stationHL, { stationCode: 'HL01', source: 'walk_in' })).toBeNull();
    expect(caseCreateRefusal(stationHL, { stationCode: 'SC01', source: 'walk_in' })).toBe('case.create.own_station');
    expect(caseCreateRefusal(stationHL, { stationCode: 'HL01', source: 'court_referral' })).toBe('case.create.station_source');
    expect(caseCreateRefusal(court, { stationCode: 'SC01', source: 'court_referral' })).toBeNull();
    expect(caseCreateRefusal(deputy, { stationCode: 'HL01', source: 'walk_in' })).toBe('role');
  });

  it('a deputy recuses only themself; court staff name the deputy', () => {
    expect(selfAs(casePermissions.RECUSE, deputy)).toBe('d1');
    expect(selfAs(casePermissions.RECUSE, court)).toBeUndefined();
    expect(selfAs(casePermissions.RECORD_SESSION, deputy)).toBeUndefined();
  });
});

describe('personal data (PIPL)', () => {
  it('in full only for court staff and the station that took the case', () => {
    expect(seesPersonalData(court, 'HL01')).toBe(true);
    expect(seesPersonalData(stationHL, 'HL01')).toBe(true);
    expect(seesPersonalData(stationHL, 'SC01')).toBe(false);
    for (const a of [deputy, committee, admin]) expect(seesPersonalData(a, 'HL01')).toBe(false);
  });

  it('masked as DESIGN.md shows it', () => {
    expect(maskIdNumber('230102199001011234')).toBe('230102********1234');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(partyAsSeen({ name: '张三', idNumber: '230102199001011234', phone: null }, false)).toEqual({ name: '张三', idNumber: '230102********1234', phone: null });
    expect(partyAsSeen({ name: '张三', idNumber: '230102199001011234' }, true)).toEqual({ name: '张三', idNumber: '230102199001011234' });
  });
});

describe('supervision items, activities, reports', () => {
  it('supervision items: committee, court and admin read them; stations and deputies do not', () => {
    expect([committee, court, admin].map((a) => canReadSupervision(a))).toEqual([true, true, true]);
    expect([stationHL, deputy].map((a) => canReadSupervision(a))).toEqual([false, false]);
  });

  it('activities: a station records and reads its own register; a deputy reads their station’s', () => {
    expect(activityRecordRefusal(stationHL, 'HL01')).toBeNull();
    expect(activityRecordRefusal(stationHL, 'SC01')).toBe('activity.record.own_station');
    expect(activityRecordRefusal(court, 'SC01')).toBeNull();
    expect(activityRecordRefusal(committee, 'HL01')).toBe('role');
    expect(activityReadRefusal(stationHL, 'SC01')).toBe('activity.read.own_station');
    expect(activityReadRefusal(deputy, 'HL01', 'HL01')).toBeNull();
    expect(activityReadRefusal(deputy, 'HL01', 'SC01')).toBe('activity.read.deputy_station');
    expect(activityReadRefusal(committee, 'HL01')).toBeNull();
  });

  it('reports: the whole network for committee, court and admin; a station its own; no deputy', () => {
    expect(reportScope(committee, undefined)).toEqual({ stationCode: undefined });
    expect(reportScope(court, 'SC01')).toEqual({ stationCode: 'SC01' });
    expect(reportScope(stationHL, undefined)).toEqual({ stationCode: 'HL01' });
    expect(reportScope(stationHL, 'SC01')).toEqual({ refused: 'report.own_station' });
    expect(reportScope(actor('station'), undefined)).toEqual({ refused: 'report.station_unlinked' });
    expect(reportScope(deputy, undefined)).toEqual({ refused: 'report.deputy' });
    expect(can(stationHL, 'report.network')).toBe(false);
  });
});

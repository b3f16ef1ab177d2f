/**
 * The access policy: every rule of who may read or write which case, supervision item, station
 * activity, report and directory record, and who sees which personal data (DESIGN.md §1, §10).
 * One pure module beside the machines' permission tables (`case-spec.ts`, `supervision-spec.ts`),
 * read by the engine, by `nextEvents` and by the web alike: a page asks `can(actor, 'case.create')`
 * instead of comparing roles itself. No I/O: a rule that needs a fact from the database (the
 * station a deputy belongs to) takes it as an argument.
 *
 * A refusal is returned as a closed reason (`Refusal`); the engine throws it as `Forbidden` and
 * the edge says it in words.
 */
import { STATION_SOURCES } from './case.js';
import type { Actor, Role } from './roles.js';

// ---------------------------------------------------------------------------------------------
// Coarse actions: who may do it at all, by role. Object-level conditions follow below.

/**
 * Each action and the roles that may take it, in the order a refusal names them.
 * - `supervision.read`: supervision items are the committee's and the court's business (跟踪督办).
 * - `activity.record`: station staff (own station only), court staff and admins for any station —
 *   court studios run their stations with the court, and records kept on paper are entered centrally.
 * - `report.read`: station staff see their own station's figures only; `report.network` is the
 *   whole network's report (the committee dashboard). Deputies read no report.
 */
export const ACTIONS = {
  // DESIGN.md §10: the admin manages the directory but reads no case, not even a list of them.
  'case.list': ['court', 'station', 'deputy', 'committee', 'system'],
  'case.create': ['court', 'station'],
  'supervision.create': ['committee'],
  'supervision.read': ['committee', 'court', 'admin', 'system'],
  'activity.record': ['station', 'court', 'admin'],
  'report.read': ['committee', 'court', 'admin', 'station'],
  'report.network': ['committee', 'court', 'admin'],
  'directory.manage': ['admin'],
  // Editing and retiring (issue 15 §4): by those who may create them. A station's staff edit
  // only their own station's activity records (the verb checks the station).
  'station.update': ['admin'],
  'deputy.update': ['admin'],
  'activity.update': ['station', 'court', 'admin'],
  'sweep.run': ['admin'],
  // Registers on paper or in Excel (DESIGN.md §14): the directory is the admin's, cases the court's.
  'import.directory': ['admin'],
  'import.cases': ['court'],
  'import.run': ['admin', 'court'],
  // 扫码联: citizens' submissions are handled (listed, opened, declined) by the station that
  // received them and by the court; a station's printed card by its staff, the court and admins.
  'submission.handle': ['court', 'station'],
  'station.card': ['admin', 'court', 'station'],
  // The audit log and the access log (DESIGN.md §10).
  'audit.read': ['admin', 'committee'],
  // Erasure of closed cases' personal data (PIPL Art 47).
  'personal_data.erase': ['admin'],
  // DESIGN §11: the statutory calendar is entered by the admin; everyone signed in reads it.
  'calendar.manage': ['admin'],
  // DESIGN.md §12: webhooks are the admin's; a party's SMS consent is changed by court staff or
  // the station that took the case (the station check is the verb's).
  'webhook.manage': ['admin'],
  'party.consent': ['court', 'station'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof ACTIONS;

/** The roles that may take `action` (for a refusal that names them). */
export const rolesFor = (action: Action): readonly Role[] => ACTIONS[action];

/** @example can({ id, role: 'station', name, stationCode: 'HL01' }, 'case.create') // true */
export function can(actor: Pick<Actor, 'role'>, action: Action): boolean {
  return (ACTIONS[action] as readonly Role[]).includes(actor.role);
}

/** Why an actor is refused: the engine throws it as `Forbidden(reason)`, the edge words it. */
export type Refusal =
  | 'role' // the role may not take this action at all
  | 'case.read'
  | 'case.create.own_station'
  | 'case.create.station_source'
  | 'activity.record.own_station'
  | 'activity.read.own_station'
  | 'activity.read.deputy_station'
  | 'activity.read'
  | 'report.station_unlinked'
  | 'report.own_station'
  | 'report.deputy'
  | 'submission.own_station'
  | 'card.own_station';

// ---------------------------------------------------------------------------------------------
// Events: who may send which event to an entity (the tables in case-spec.ts, supervision-spec.ts)

/**
 * Who may send an event. Object-level conditions are part of the rule, so `nextEvents` and the
 * engine read the same table:
 * - `deputy: 'assigned'`: a deputy currently assigned to the case;
 * - `deputy: 'self'`: that deputy, about themself (回避);
 * - `station: 'own'`: staff of the station that took the case.
 */
export interface Permission {
  court?: true;
  committee?: true;
  system?: true;
  deputy?: 'assigned' | 'self';
  station?: 'own';
}

/** The facts about an entity that object-level rules read. */
export interface AccessFacts {
  stationCode?: string | null;
  deputyIds?: readonly string[];
}

export function permits(rule: Permission, actor: Actor, facts: AccessFacts, event?: { deputyId?: unknown }): boolean {
  switch (actor.role) {
    case 'court':
      return rule.court === true;
    case 'committee':
      return rule.committee === true;
    case 'system':
      return rule.system === true;
    case 'station':
      return rule.station === 'own' && ownsStation(actor, facts.stationCode);
    case 'deputy': {
      if (!rule.deputy || !isAssigned(actor, facts)) return false;
      // Before the payload is known (nextEvents), 'self' means "about myself".
      return rule.deputy === 'assigned' || event?.deputyId === undefined || event.deputyId === actor.deputyId;
    }
    default:
      return false;
  }
}

/**
 * The deputy an event is about when the sender may only act about themself (回避: `deputy: 'self'`):
 * a form fixes it to the sender, whatever was typed.
 */
export function selfAs(rule: Permission | undefined, actor: Actor): string | undefined {
  return rule?.deputy === 'self' && actor.role === 'deputy' ? (actor.deputyId ?? '') : undefined;
}

const ownsStation = (actor: Actor, stationCode: string | null | undefined) => !!actor.stationCode && actor.stationCode === stationCode;
const isAssigned = (actor: Actor, facts: AccessFacts) => !!actor.deputyId && !!facts.deputyIds?.includes(actor.deputyId);

// ---------------------------------------------------------------------------------------------
// Cases

/**
 * Who reads a case: court and committee all; a station its own; a deputy those assigned to them.
 * The admin manages the directory but reads no case (DESIGN.md §10).
 */
export function canReadCase(actor: Actor, facts: AccessFacts): boolean {
  switch (actor.role) {
    case 'court':
    case 'committee':
    case 'system':
      return true;
    case 'admin':
      return false;
    case 'station':
      return ownsStation(actor, facts.stationCode);
    case 'deputy':
      return isAssigned(actor, facts);
  }
}

/** The cases a list shows this actor: the same rule as `canReadCase`, as a filter. */
export type CaseScope = { kind: 'all' } | { kind: 'station'; stationCode: string } | { kind: 'deputy'; deputyId: string };

export function caseScope(actor: Actor): CaseScope {
  if (actor.role === 'station') return { kind: 'station', stationCode: actor.stationCode ?? '' };
  if (actor.role === 'deputy') return { kind: 'deputy', deputyId: actor.deputyId ?? '' };
  return { kind: 'all' };
}

/**
 * What opening a case allows this actor: station staff only for their own station and only for
 * disputes received through a station channel; court staff any station and any source.
 */
export function caseCreation(actor: Actor): { stationCode?: string; sources?: readonly string[] } {
  return actor.role === 'station' ? { stationCode: actor.stationCode ?? '', sources: STATION_SOURCES } : {};
}

export function caseCreateRefusal(actor: Actor, input: { stationCode: string; source: string }): Refusal | null {
  if (!can(actor, 'case.create')) return 'role';
  const allowed = caseCreation(actor);
  if (allowed.stationCode !== undefined && allowed.stationCode !== input.stationCode) return 'case.create.own_station';
  if (allowed.sources && !allowed.sources.includes(input.source)) return 'case.create.station_source';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Supervision items

/** Supervision items carry no object-level rule: a role reads all of them or none. */
export const canReadSupervision = (actor: Actor, _facts?: AccessFacts): boolean => can(actor, 'supervision.read');

// ---------------------------------------------------------------------------------------------
// Station activities (履职记录)

export function activityRecordRefusal(actor: Actor, stationCode: string): Refusal | null {
  if (!can(actor, 'activity.record')) return 'role';
  if (actor.role === 'station' && actor.stationCode !== stationCode) return 'activity.record.own_station';
  return null;
}

/** Who edits a station's activity record: who may record one there (station staff their own station). */
export function activityUpdateRefusal(actor: Actor, stationCode: string): Refusal | null {
  if (!can(actor, 'activity.update')) return 'role';
  if (actor.role === 'station' && actor.stationCode !== stationCode) return 'activity.record.own_station';
  return null;
}

/** A directory record or activity record whose change history is read (its audit rows). */
export type ChangeTarget = { type: 'station'; id: string } | { type: 'deputy'; id: string } | { type: 'activity'; id: string; stationCode: string };

/**
 * Who reads one record's change history (who changed what, when): whoever may change that record
 * — an activity's at its station — besides the audit log's readers, who read every row anyway.
 */
export function changeHistoryRefusal(actor: Actor, target: ChangeTarget): Refusal | null {
  if (can(actor, 'audit.read')) return null;
  switch (target.type) {
    case 'station':
      return can(actor, 'station.update') ? null : 'role';
    case 'deputy':
      return can(actor, 'deputy.update') ? null : 'role';
    case 'activity':
      return activityUpdateRefusal(actor, target.stationCode);
  }
}

/**
 * Who reads a station's activity register: committee, court and admin every station; station
 * staff their own; a deputy the station they belong to (`deputyStation`, from their record).
 */
export function activityReadRefusal(actor: Actor, stationCode: string, deputyStation?: string | null): Refusal | null {
  switch (actor.role) {
    case 'committee':
    case 'court':
    case 'admin':
      return null;
    case 'station':
      return actor.stationCode === stationCode ? null : 'activity.read.own_station';
    case 'deputy':
      return deputyStation && deputyStation === stationCode ? null : 'activity.read.deputy_station';
    default:
      return 'activity.read';
  }
}

/** A deputy's reading of the register depends on their station: the engine looks it up only then. */
export const needsDeputyStation = (actor: Actor): boolean => actor.role === 'deputy';

// ---------------------------------------------------------------------------------------------
// Reports

/** The stations a report covers for this actor: all (optionally one asked for) or their own only. */
export function reportScope(actor: Actor, stationCode: string | undefined): { stationCode: string | undefined } | { refused: Refusal } {
  if (can(actor, 'report.network')) return { stationCode };
  if (actor.role === 'station') {
    if (!actor.stationCode) return { refused: 'report.station_unlinked' };
    if (stationCode && stationCode !== actor.stationCode) return { refused: 'report.own_station' };
    return { stationCode: actor.stationCode };
  }
  return { refused: 'report.deputy' };
}

// ---------------------------------------------------------------------------------------------
// Personal data (PIPL)

/** Full personal data of a case's parties only for court staff and the station that took the case. */
export function seesPersonalData(actor: Actor, stationCode: string): boolean {
  return actor.role === 'court' || (actor.role === 'station' && actor.stationCode === stationCode);
}

/** Party names in full for everyone who may read the case but the committee (surname only). */
export function seesPartyNames(actor: Actor): boolean {
  return actor.role !== 'committee';
}

/** A deputy's phone in full only to the admin, court staff and that deputy. */
export function seesDeputyPhone(actor: Actor, deputyId: string): boolean {
  return actor.role === 'admin' || actor.role === 'court' || (actor.role === 'deputy' && actor.deputyId === deputyId);
}

/** Searching cases by party name (`q`) is for court and station staff only. */
export function searchesPartyNames(actor: Actor): boolean {
  return actor.role === 'court' || actor.role === 'station';
}

/**
 * Court and station staff find a party by phone or ID number (exact match, issue 15 §4); each
 * case found that way is a read of personal data and is written to the access log.
 */
export function searchesPartyIdentifiers(actor: Actor): boolean {
  return actor.role === 'court' || actor.role === 'station';
}

/** What erasure (PIPL Art 47) leaves in place of a name, an ID number or a phone. */
export const ERASED = '已删除';

/**
 * A masked value hides at least half of its characters and never fewer than 4 (all of a value of
 * 4 or fewer). What stays visible is the end (up to 4 characters, what people check a number by)
 * and, when more may show, the start.
 *
 * @example maskMiddle('230102199001011234') // '23010*********1234'
 * @example maskMiddle('H1234567890') // 'H******7890'
 */
export function maskMiddle(v: string): string {
  const chars = [...v];
  const n = chars.length;
  const hidden = Math.min(n, Math.max(4, Math.ceil(n / 2)));
  const visible = n - hidden;
  const suffix = Math.min(4, visible);
  const prefix = visible - suffix;
  return chars.slice(0, prefix).join('') + '*'.repeat(hidden) + chars.slice(n - suffix).join('');
}

/** `230102199001011234` → `23010*********1234` */
export function maskIdNumber(v: string): string {
  return v === ERASED ? v : maskMiddle(v);
}

/** `13812345678` → `1******5678`; a 7-digit number `5551234` → `****234`. */
export function maskPhone(v: string): string {
  return v === ERASED ? v : maskMiddle(v.replace(/\D/g, ''));
}

/** 复姓: a name beginning with one of these keeps two characters as its surname. */
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '令狐', '轩辕', '端木',
  '独孤', '南宫', '西门', '申屠', '澹台', '公冶', '呼延', '万俟', '闻人', '赫连', '钟离', '百里', '东郭', '太史', '单于', '濮阳',
]);

/** A party's name masked to the surname (`张三` → `张*`, `欧阳娜娜` → `欧阳**`), for the committee. */
export function maskName(v: string): string {
  if (v === ERASED) return v;
  const chars = [...v];
  const surname = chars.length > 2 && COMPOUND_SURNAMES.has(chars.slice(0, 2).join('')) ? 2 : 1;
  return chars.slice(0, surname).join('') + '*'.repeat(Math.max(1, chars.length - surname));
}

/**
 * A party as this reader sees them: ID number and phone masked unless `unmasked`
 * (`seesPersonalData`), the name masked to the surname unless `names` (`seesPartyNames`).
 */
export function partyAsSeen<P extends { name?: string; idNumber?: string | null; phone?: string | null }>(p: P, unmasked: boolean, names = true): P {
  const named = names || typeof p.name !== 'string' ? p : { ...p, name: maskName(p.name) };
  if (unmasked) return named;
  return {
    ...named,
    ...(p.idNumber ? { idNumber: maskIdNumber(p.idNumber) } : {}),
    ...(p.phone ? { phone: maskPhone(p.phone) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 扫码联: citizens' submissions and the station card

/** Who may handle a submission received at `stationCode`: court staff any, station staff their own. */
export function submissionRefusal(actor: Actor, stationCode: string): Refusal | null {
  if (!can(actor, 'submission.handle')) return 'role';
  if (actor.role === 'station' && !ownsStation(actor, stationCode)) return 'submission.own_station';
  return null;
}

/** The stations whose submissions an actor's queue lists: their own (station staff) or all. */
export const submissionScope = (actor: Actor): { stationCode?: string } => (actor.role === 'station' ? { stationCode: actor.stationCode ?? '' } : {});

/** Who may print a station's card: admin and court any station, station staff their own. */
export function cardRefusal(actor: Actor, stationCode: string): Refusal | null {
  if (!can(actor, 'station.card')) return 'role';
  if (actor.role === 'station' && !ownsStation(actor, stationCode)) return 'card.own_station';
  return null;
}

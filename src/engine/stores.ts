/**
 * Where each machine's entities live, and the few rules that depend on the database (a station
 * must exist, the deputies named must exist). The engine is written once against `EntityStore`.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { AnyMachineSnapshot } from 'xstate';
import type { PgTable } from 'drizzle-orm/pg-core';
import { type CaseContext, type CaseEvent, type CaseInput } from '../machines/case.js';
import { caseSpec } from '../machines/case-spec.js';
import { supervisionSpec } from '../machines/supervision-spec.js';
import type { SupervisionContext, SupervisionInput } from '../machines/supervision.js';
import { toFen } from '../machines/money.js';
import { phoneNumber, text } from '../machines/fields.js';
import { canReadCase, canReadSupervision, caseCreateRefusal, type AccessFacts } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import type { MachineSpec } from '../machines/spec.js';
import type { Db } from '../db/client.js';
import { insertRows, type RowsOf } from '../db/bulk.js';
import { caseEvents, cases, deputies, parties, stations, supervisionCases, supervisionEvents, supervisions } from '../db/schema.js';
import { Conflict, DomainError, fieldError, Forbidden, ValidationError } from './errors.js';
import { claimSubmission, markSubmissionAccepted } from './submission-claim.js';

/** What `prepareCreate` finds: the scope of the human number, and what creation carries on to the rows. */
export interface Prepared {
  numberScope: string;
  extra: Record<string, unknown>;
}

/** The columns every entity table and every journal table share. */
export interface EntityRow {
  id: string;
  number: string;
  state: string;
  snapshot: unknown;
  version: number;
  machineVersion: number;
  [column: string]: unknown;
}

export interface EntityStore {
  spec: MachineSpec;
  /** `case`, `supervision`: the entity_type in deadlines and the access log. */
  type: string;
  table: PgTable & Record<string, any>;
  journal: PgTable & Record<string, any>;
  /** The journal's column naming the entity (`caseId`). */
  journalKey: string;
  /**
   * What the entity's view shows beside its row (a case's parties, an item's linked cases), as
   * one jsonb value correlated to the row: it is read in the same statement as the row, so a
   * write renders its answer without a query of its own.
   */
  viewData: SQL;
  /**
   * What `viewData` reads of an entity this creation is writing, known without reading it back:
   * the same values in the same order. Absent: the creation reads it (`viewDataOf`).
   */
  createdViewData?(id: string, input: any, extra: Record<string, unknown>): unknown;
  /**
   * A creation body as a client sends it, made of the schemas `parseCreate` runs (the machine's
   * request input, and what lives beside it): the API describes this one.
   */
  createSchema: z.ZodType;
  /** Parse a creation body: the machine's input plus what lives beside it (parties). */
  parseCreate(raw: Record<string, unknown>): z.ZodSafeParseResult<any>;
  /** Checks before creation that need the database; returns the scope of the human number. */
  prepareCreate(tx: Db, actor: Actor, input: any, raw: Record<string, unknown>): Promise<Prepared>;
  /**
   * `prepareCreate` for many creations in one transaction (a batched import), each table read
   * once: per item what `prepareCreate` returns, or the refusal it throws — the same checks in the
   * same order. Absent: `prepareCreate` item by item.
   */
  prepareCreateMany?(tx: Db, actor: Actor, items: { input: any; raw: Record<string, unknown> }[]): Promise<(Prepared | DomainError)[]>;
  /** Rows written beside the entity at creation (parties). */
  afterCreate(tx: Db, id: string, input: any, extra: Record<string, unknown>): Promise<void>;
  /**
   * `afterCreate` as rows: what it writes beside the entity, for creation to insert with its other
   * rows in one statement (anything else it must do, it does here first). Absent: `afterCreate` runs.
   */
  besideRows?(tx: Db, id: string, input: any, extra: Record<string, unknown>): Promise<RowsOf[]>;
  /** `afterCreate` for many creations, in multi-row statements. Absent: `afterCreate` one by one. */
  afterCreateMany?(tx: Db, items: { id: string; input: any; extra: Record<string, unknown> }[]): Promise<void>;
  /** The query columns that follow from a snapshot. */
  columns(snapshot: AnyMachineSnapshot): Record<string, unknown>;
  /** Creation-only columns. */
  createColumns(input: any, actor: Actor): Record<string, unknown>;
  /** Database checks on an event's payload (the deputies named exist). */
  checkEvent(tx: Db, event: { type: string; [k: string]: unknown }): Promise<void>;
  /** Object-level read access. */
  canRead(actor: Actor, facts: AccessFacts): boolean;
  /** Journal payload of the creation: what replay feeds the machine as input, plus what it needs for the record. */
  createPayload(input: any, extra: Record<string, unknown>): Record<string, unknown>;
  /**
   * What an Idempotency-Key record keeps of an answer (no personal data): the answer with the
   * value of its key `key` replaced by `keep(value)`; the answer itself when absent.
   */
  answerForReplay?: { key: string; keep(value: unknown): unknown };
}

/** 当事人: personal data lives here only, never in a snapshot. */
export const partySchema = z.object({
  role: z.enum(['applicant', 'respondent']),
  name: text(100),
  idNumber: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z]{6,20}$/, { message: '证件号码须为 6–20 位字母或数字（居民身份证为 18 位）' })
    .transform((s) => s.toUpperCase())
    .optional(),
  phone: phoneNumber.optional(),
  /** Agreed to be told by SMS (DESIGN.md §12); absent is no. */
  smsConsent: z.boolean({ message: '须为 true 或 false' }).optional(),
});
export type PartyInput = z.output<typeof partySchema>;
const partiesSchema = z.array(partySchema).min(1, { message: '至少须有一名当事人' }).max(50);
/** The case's number in the register it came from (an import, DESIGN.md §14): at most one case per number. */
const externalRefSchema = z.string().trim().min(1, { message: '不能为空' }).max(100, { message: '不能超过 100 个字符' }).optional();

export const caseStore: EntityStore = {
  spec: caseSpec,
  type: 'case',
  table: cases,
  journal: caseEvents,
  journalKey: 'caseId',
  viewData: sql`(select coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.role, 'name', p.name, 'idNumber', p.id_number, 'phone', p.phone) order by p.position), '[]'::jsonb)
    from ${parties} p where p.case_id = ${cases.id})`,
  // The parties as afterCreate writes them, in position order: what viewData would read back.
  createdViewData(_id, input: CaseInput & { parties: PartyInput[] }, extra) {
    const ids = extra.partyIds as string[];
    return input.parties.map((p, i) => ({ id: ids[i], role: p.role, name: p.name, idNumber: p.idNumber ?? null, phone: p.phone ?? null }));
  },
  // Three parses, not one of `createSchema`: each part's issues are reported even when another part fails.
  createSchema: caseSpec.request.input.safeExtend({ parties: partiesSchema, externalRef: externalRefSchema }),
  parseCreate(raw) {
    const input = caseSpec.request.input.safeParse(raw);
    const people = partiesSchema.safeParse(raw.parties);
    const ref = externalRefSchema.safeParse(raw.externalRef);
    if (input.success && people.success && ref.success) {
      return { success: true, data: { ...(input.data as CaseInput), parties: people.data, ...(ref.data ? { externalRef: ref.data } : {}) } } as any;
    }
    const issues = [
      ...(input.success ? [] : input.error.issues),
      ...(people.success ? [] : people.error.issues.map((i) => ({ ...i, path: ['parties', ...i.path] }))),
      ...(ref.success ? [] : ref.error.issues.map((i) => ({ ...i, path: ['externalRef', ...i.path] }))),
    ];
    return { success: false, error: new z.ZodError(issues) } as any;
  },
  async prepareCreate(tx, actor, input: CaseInput & { externalRef?: string }, raw) {
    const [prepared] = await this.prepareCreateMany!(tx, actor, [{ input, raw }]);
    if (prepared instanceof DomainError) throw prepared;
    return prepared;
  },
  async prepareCreateMany(tx, actor, items: { input: CaseInput & { externalRef?: string }; raw: Record<string, unknown> }[]) {
    const refs = [...new Set(items.map((i) => i.input.externalRef).filter((r): r is string => !!r))];
    const codes = [...new Set(items.map((i) => i.input.stationCode))];
    const taken = new Map<string, string | null>(
      refs.length ? (await tx.select({ ref: cases.externalRef, number: cases.number }).from(cases).where(inArray(cases.externalRef, refs))).map((c) => [c.ref!, c.number]) : [],
    );
    const known = new Map((await tx.select({ code: stations.code, active: stations.active }).from(stations).where(inArray(stations.code, codes))).map((s) => [s.code, s.active]));
    const out: (Prepared | DomainError)[] = [];
    for (const { input, raw } of items) {
      try {
        if (input.externalRef) {
          // Taken before, or by an earlier item of these (whose number is not drawn yet).
          if (taken.has(input.externalRef)) throw new Conflict('conflict.external_ref', { ref: input.externalRef, number: taken.get(input.externalRef) }, { field: 'externalRef' });
        }
        const active = known.get(input.stationCode);
        if (active === undefined) throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: input.stationCode })]);
        // A retired station takes no new case; an import of an old register (externalRef) still may.
        if (!active && !input.externalRef) {
          throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_retired', { code: input.stationCode })]);
        }
        const refused = caseCreateRefusal(actor, input);
        if (refused === 'case.create.own_station') throw new Forbidden('forbidden.case_create_own');
        if (refused === 'case.create.station_source') throw new Forbidden('forbidden.case_create_source');
        // 扫码联: a case opened from a citizen's submission claims it (once) in this transaction.
        const claim = raw.submissionId === undefined ? undefined : await claimSubmission(tx, actor, input, raw.submissionId);
        // The parties' ids are made here: the journal refers to them, never to their names (PIPL).
        const partyIds = (input as CaseInput & { parties: PartyInput[] }).parties.map(() => randomUUID());
        if (input.externalRef) taken.set(input.externalRef, null);
        out.push({ numberScope: input.stationCode, extra: claim ? { claim, partyIds } : { partyIds } });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        out.push(err);
      }
    }
    return out;
  },
  async afterCreate(tx, id, input, extra) {
    await this.afterCreateMany!(tx, [{ id, input, extra }]);
  },
  async besideRows(tx, id, input: CaseInput & { parties: PartyInput[] }, extra) {
    if (extra.claim) await markSubmissionAccepted(tx, id, extra.claim as Parameters<typeof markSubmissionAccepted>[2]);
    return [{ table: parties, rows: partyRows(id, input, extra) }];
  },
  async afterCreateMany(tx, items: { id: string; input: CaseInput & { parties: PartyInput[] }; extra: Record<string, unknown> }[]) {
    for (const { id, extra } of items) {
      if (extra.claim) await markSubmissionAccepted(tx, id, extra.claim as Parameters<typeof markSubmissionAccepted>[2]);
    }
    await insertRows(tx, parties, items.flatMap(({ id, input, extra }) => partyRows(id, input, extra)));
  },
  columns(snapshot) {
    const c = snapshot.context as CaseContext;
    return {
      agreedFen: c.agreement?.amountFen ?? null,
      paidFen: c.paidFen,
      owedFen: c.owedFen,
      recoveredFen: c.recoveredFen,
      outcome: c.outcome,
      overdue: c.overdue,
      enforceable: c.enforceable,
      deputyIds: c.deputyIds,
      sessionsHeld: c.sessionsHeld,
      deputyAttendances: c.deputyAttendances,
      agreedAt: c.agreement?.reachedAt ?? null,
      enforcementStartedAt: c.enforcementStartedAt,
      closedAt: c.closedAt,
      lastEventAt: c.lastEventAt,
      nextDueAt: earliestDue(caseSpec, snapshot),
    };
  },
  createColumns(input: CaseInput & { externalRef?: string }) {
    return {
      externalRef: input.externalRef ?? null,
      track: input.track ?? 'pre_filing',
      procedure: input.procedure,
      source: input.source,
      stationCode: input.stationCode,
      disputeType: input.disputeType,
      summary: input.summary,
      claimFen: input.claimAmount === undefined ? null : toFen(input.claimAmount),
      openedAt: input.occurredAt,
    };
  },
  async checkEvent(tx, event) {
    const e = event as CaseEvent;
    if (e.type !== 'ASSIGN') return;
    const found = await tx.select({ id: deputies.id, active: deputies.active }).from(deputies).where(inArray(deputies.id, e.deputyIds.filter(isUuid)));
    const known = new Map(found.map((d) => [d.id, d.active]));
    const missing = e.deputyIds.filter((d) => !known.has(d));
    if (missing.length) {
      throw new ValidationError('invalid.body', [fieldError('deputyIds', 'field.deputies_unknown', { ids: missing })]);
    }
    // A retired deputy (issue 15 §4) is assigned to no new case; the cases they had keep them.
    const retired = e.deputyIds.filter((d) => known.get(d) === false);
    if (retired.length) throw new ValidationError('invalid.body', [fieldError('deputyIds', 'field.deputies_retired', { ids: retired })]);
  },
  canRead: canReadCase,
  /**
   * The journal keeps each party as its id and role only: names, ID numbers and phones live in
   * `parties` alone (DESIGN.md §10), where erasure can reach them; the machine never reads them.
   */
  createPayload(input: CaseInput & { parties: PartyInput[] }, extra) {
    const { occurredAt: _omit, parties: people, ...rest } = input;
    const ids = extra.partyIds as string[];
    const journaled = { ...rest, parties: people.map((p, i) => ({ id: ids[i], role: p.role })) };
    // The submission's id (not its personal data): the history shows where the case came from.
    const claim = extra.claim as { submissionId: string } | undefined;
    return claim ? { ...journaled, submissionId: claim.submissionId } : journaled;
  },
  /**
   * The idempotency record keeps no personal data (DESIGN.md §10): a case answer is stored with
   * its parties as their roles only; a replay reads them again (views.replayedCaseAnswer).
   */
  answerForReplay: {
    key: 'parties',
    keep: (parties) => (Array.isArray(parties) ? (parties as { role?: unknown }[]).map((p) => ({ role: p?.role })) : parties),
  },
};


/** The earliest deadline a snapshot shows (the `next_due_at` column lists filter on, DESIGN §11 `dueWithinDays`). */
/** The `parties` rows of a new case, in position order (their ids were made by `prepareCreateMany`). */
function partyRows(id: string, input: { parties: PartyInput[]; occurredAt: string }, extra: Record<string, unknown>) {
  const ids = extra.partyIds as string[];
  return input.parties.map((p, i) => ({
    id: ids[i],
    caseId: id,
    position: i,
    role: p.role,
    name: p.name,
    idNumber: p.idNumber ?? null,
    phone: p.phone ?? null,
    smsConsent: p.smsConsent ?? false,
    // The case's opened_at (createColumns), beside each party for search's order.
    openedAt: input.occurredAt,
  }));
}

function earliestDue(spec: MachineSpec, snapshot: AnyMachineSnapshot): string | null {
  let min: string | null = null;
  for (const d of spec.deadlines(snapshot)) if (min === null || Date.parse(d.dueAt) < Date.parse(min)) min = d.dueAt;
  return min;
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

export const supervisionStore: EntityStore = {
  spec: supervisionSpec,
  type: 'supervision',
  table: supervisions,
  journal: supervisionEvents,
  journalKey: 'supervisionId',
  viewData: sql`(select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'number', c.number, 'state', c.state, 'outcome', c.outcome, 'overdue', c.overdue,
      'stationCode', c.station_code, 'disputeType', c.dispute_type) order by l.position), '[]'::jsonb)
    from ${supervisionCases} l join ${cases} c on c.id = l.case_id where l.supervision_id = ${supervisions.id})`,
  createSchema: supervisionSpec.request.input,
  parseCreate: (raw) => supervisionSpec.request.input.safeParse(raw) as z.ZodSafeParseResult<any>,
  async prepareCreate(tx, _actor, input: SupervisionInput) {
    const wanted = input.caseIds;
    const found = wanted.length
      ? await tx.select({ id: cases.id }).from(cases).where(inArray(cases.id, wanted.filter(isUuid)))
      : [];
    const known = new Set(found.map((c) => c.id));
    const missing = wanted.filter((c) => !known.has(c));
    if (missing.length) {
      throw new ValidationError('invalid.body', [fieldError('caseIds', 'field.cases_unknown', { ids: missing })]);
    }
    // 监督 (JD): supervision items are numbered apart from cases.
    return { numberScope: 'JD', extra: {} };
  },
  async afterCreate(tx, id, input: SupervisionInput) {
    if (input.caseIds.length === 0) return;
    await tx.insert(supervisionCases).values(input.caseIds.map((caseId, position) => ({ supervisionId: id, caseId, position })));
  },
  columns(snapshot) {
    const c = snapshot.context as SupervisionContext;
    return { overdue: c.overdue, rating: c.rating, closedAt: c.closedAt, lastEventAt: c.lastEventAt, nextDueAt: earliestDue(supervisionSpec, snapshot) };
  },
  createColumns(input: SupervisionInput) {
    return { kind: input.kind, subject: input.subject, respondent: input.respondent, openedAt: input.occurredAt };
  },
  async checkEvent() {},
  canRead: canReadSupervision,
  createPayload(input: SupervisionInput) {
    const { occurredAt: _omit, ...rest } = input;
    return rest;
  },
};

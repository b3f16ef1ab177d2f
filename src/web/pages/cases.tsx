/**
 * Cases: the list with filters, the new-case form, the case page (parties, state in words,
 * deadlines, timeline, diagram, actions) and one form per event. Reads are the engine's views
 * (masked by role); every change is `createEntity` / `applyEvent`.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { createEntity } from '../../engine/apply.js';
import { listDeputies, listStations } from '../../engine/directory.js';
import { ValidationError } from '../../engine/errors.js';
import { caseDiagram, machineDescription } from '../../engine/machines.js';
import { caseStore } from '../../engine/stores.js';
import { caseHistory, getCase, listCases, type CaseFilters } from '../../engine/views.js';
import { caseEventSchemas, OUTCOMES, PROCEDURES, SOURCES, TRACKS } from '../../machines/case.js';
import { casePermissions } from '../../machines/case-spec.js';
import { sayField } from '../wording.js';
import { EventPage, UnknownEventPage } from '../event-page.js';
import { can, caseCreation, caseScope, seesPersonalData, selfAs } from '../../machines/policy.js';
import type { Actor } from '../../machines/roles.js';
import { deadlineText, formatDate, formatDateTime } from '../../format.js';
import {
  DEADLINE_LABELS,
  DISPUTE_TYPE_SUGGESTIONS,
  eventLabel,
  fieldLabel,
  MACHINE_LABELS,
  outcomeLabel,
  PARTY_ROLE_LABELS,
  STATE_DESCRIPTIONS,
  stateLabel,
  valueLabel,
} from '../../labels.js';
import { ERROR_TITLES, UI } from '../../words.js';
import {
  Csrf,
  DeadlineBadge,
  ErrorBox,
  Facts,
  Input,
  Money,
  OverdueBadge,
  Row,
  Section,
  Select,
  StateBadge,
  TextArea,
  type FieldErrorMap,
} from '../components.js';
import { StateDiagram } from '../diagram.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, submitEventForm, type EventFormState, type EventPageStatus } from '../engine-call.js';
import { cleanMoney, fieldsOf, fromLocalDateTime, payloadOf, toLocalDateTime } from '../forms.js';
import { one, type FormBody, type WebEnv } from '../http.js';
import { EventForm, Timeline, type HistoryItem, type Names } from '../journal.js';
import { TodoSection, todoOf } from './legal-time.js';
import { Layout } from '../layout.js';
import { describeError, html, page, type PageCtx, type WebContext } from '../page.js';
import { DownloadLinks, filtersQuery } from '../downloads.js';

type CaseView = Awaited<ReturnType<typeof getCase>>;
type CaseItem = Awaited<ReturnType<typeof listCases>>['items'][number];

async function namesOf(deps: AppDeps): Promise<Names & { deputyList: Awaited<ReturnType<typeof listDeputies>>['items']; stationList: Awaited<ReturnType<typeof listStations>>['items'] }> {
  const [stations, deputies] = await Promise.all([listStations(deps.db), listDeputies(deps.db)]);
  return {
    stations: new Map(stations.items.map((s) => [s.code, s.name])),
    deputies: new Map(deputies.items.map((d) => [d.id, d.name])),
    deputyList: deputies.items,
    stationList: stations.items,
  };
}

const listTitle = (actor: Actor, overdue: boolean) =>
  overdue ? UI.cases.overdueTitle : actor.role === 'deputy' ? UI.cases.myTitle : actor.role === 'station' ? UI.cases.stationTitle : UI.cases.listTitle;

function nearestDeadline<D extends { kind: string; dueAt: string }>(c: { deadlines: D[] }): D | undefined {
  return [...c.deadlines].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
}

// ---------------------------------------------------------------------------------------------
// The list

function CaseTable(p: { items: CaseItem[]; names: Names; now: Date; showStation: boolean }) {
  return (
    <table class="table cases" data-testid="case-list">
      <thead>
        <tr>
          <th>{UI.cases.number}</th>
          <th>{UI.cases.state}</th>
          <th>{UI.cases.disputeType}</th>
          <th>{UI.cases.parties}</th>
          {p.showStation ? <th>{UI.cases.station}</th> : null}
          <th>{UI.cases.openedAt}</th>
          <th>{UI.cases.deadline}</th>
        </tr>
      </thead>
      <tbody>
        {p.items.map((c) => {
          const d = nearestDeadline(c);
          return (
            <tr class={c.overdue ? 'is-overdue' : undefined} data-case={c.number}>
              <td>
                <a href={`/cases/${c.id}`}>{c.number}</a>
              </td>
              <td>
                <StateBadge state={c.state} /> {c.overdue ? <OverdueBadge /> : null}
                {c.outcome ? <small class="muted"> {outcomeLabel(c.outcome)}</small> : null}
              </td>
              <td>{c.disputeType}</td>
              <td>{c.parties.map((x) => x.name).join('、')}</td>
              {p.showStation ? <td>{p.names.stations.get(c.stationCode) ?? c.stationCode}</td> : null}
              <td>{formatDate(c.openedAt)}</td>
              <td>
                {d ? (
                  <DeadlineBadge dueAt={d.dueAt} now={p.now} kind={d.kind} level={d.level} calendarMissing={'calendarMissing' in d} />
                ) : c.ranOut ? (
                  <DeadlineBadge dueAt={c.ranOut.dueAt} now={p.now} kind={c.ranOut.kind} level={c.ranOut.level} />
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const STATE_FILTERS: string[] = [
  'intake.screening',
  'mediation',
  'mediation.assigning',
  'mediation.active',
  'mediation.paused',
  'agreement',
  'agreement.performing',
  'agreement.confirming',
  'agreement.defaulted',
  'enforcement',
  'enforcement.active',
  'enforcement.suspended',
  'closed',
];

function listQueryOf(c: WebContext): { filters: CaseFilters; raw: Record<string, string> } {
  const raw: Record<string, string> = {};
  for (const k of ['state', 'stationCode', 'overdue', 'outcome', 'q', 'cursor', 'dueWithinDays']) {
    const v = (c.req.query(k) ?? '').trim();
    if (v) raw[k] = v.slice(0, 500);
  }
  const filters: CaseFilters = { limit: 30 };
  if (raw.state && STATE_FILTERS.includes(raw.state)) filters.state = raw.state;
  if (raw.stationCode) filters.stationCode = raw.stationCode;
  if (raw.overdue === 'true' || raw.overdue === 'false') filters.overdue = raw.overdue === 'true';
  if (raw.outcome && (OUTCOMES as readonly string[]).includes(raw.outcome)) filters.outcome = raw.outcome;
  if (raw.q) filters.q = raw.q.slice(0, 100);
  if (raw.cursor) filters.cursor = raw.cursor;
  if (raw.dueWithinDays && /^\d{1,4}$/.test(raw.dueWithinDays)) filters.dueWithinDays = Number(raw.dueWithinDays);
  return { filters, raw };
}

async function listPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const { filters, raw } = listQueryOf(c);
  // The to-do list (DESIGN §11) heads the first page of the unfiltered list: the home page of court, station and deputy.
  const home = Object.keys(raw).length === 0 && actor.role !== 'admin' && actor.role !== 'committee';
  const [names, result, todo] = await Promise.all([
    namesOf(deps),
    listCases(deps.db, actor, filters, { now, requestId: c.get('requestId'), warningDays: deps.warningDays }),
    home ? todoOf(deps, { actor, csrf, now }) : Promise.resolve(null),
  ]);
  const scope = caseScope(actor).kind;
  const showStation = scope !== 'station';
  const overdueView = filters.overdue === true;
  const title = listTitle(actor, overdueView);
  const nextQs = new URLSearchParams({ ...raw, cursor: result.nextCursor ?? '' });
  const firstQs = new URLSearchParams(Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'cursor')));
  return html(
    c,
    <Layout title={title} actor={actor} csrf={csrf} active={overdueView ? 'overdue' : 'cases'} wide>
      <div class="page-head">
        <h1>{title}</h1>
        <DownloadLinks href={`/cases/download${filtersQuery(c, ['state', 'stationCode', 'overdue', 'outcome', 'q'])}`} />
        {can(actor, 'case.create') ? (
          <a class="button primary" href="/cases/new">
            {UI.nav.newCase}
          </a>
        ) : null}
      </div>
      {todo ? <TodoSection items={todo} now={now} /> : null}
      <form method="get" action="/cases" class="filters" data-autosubmit>
        <label>
          {UI.cases.state}
          <Select name="state" value={filters.state} blank={UI.common.all} options={STATE_FILTERS.map((s) => [s, s.includes('.') || s === 'closed' ? stateLabel(s) : `${stateLabel(s)}${UI.charts.allStates}`])} />
        </label>
        {scope === 'all' ? (
          <label>
            {UI.cases.station}
            <Select name="stationCode" value={filters.stationCode} blank={UI.common.all} options={names.stationList.map((s) => [s.code, s.name])} />
          </label>
        ) : null}
        <label>
          {UI.cases.overdueFilter}
          <Select
            name="overdue"
            value={raw.overdue}
            blank={UI.common.all}
            options={[
              ['true', UI.cases.overdueOnly],
              ['false', UI.cases.notOverdue],
            ]}
          />
        </label>
        <label>
          {UI.cases.outcome}
          <Select name="outcome" value={filters.outcome} blank={UI.common.all} options={OUTCOMES.map((o) => [o, outcomeLabel(o)])} />
        </label>
        <label>
          {UI.cases.deadline}
          <Select
            name="dueWithinDays"
            value={raw.dueWithinDays}
            blank={UI.common.all}
            options={[
              ['0', '今日届满及已逾期'],
              ['3', '3 日内届满'],
              ['5', '5 日内届满'],
              ['7', '7 日内届满'],
              ['30', '30 日内届满'],
            ]}
          />
        </label>
        <label class="grow">
          {UI.cases.q}
          <input type="search" name="q" value={raw.q ?? ''} placeholder={UI.cases.qHint} />
        </label>
        <div class="filter-actions">
          <button type="submit">{UI.common.search}</button>
          <a href="/cases">{UI.common.reset}</a>
        </div>
      </form>
      {result.items.length ? (
        <CaseTable items={result.items} names={names} now={now} showStation={showStation} />
      ) : (
        <p class="empty">{UI.cases.none}</p>
      )}
      <nav class="pager">
        {raw.cursor ? <a href={`/cases?${firstQs}`}>{UI.common.firstPage}</a> : null}
        {result.nextCursor ? <a href={`/cases?${nextQs}`}>{UI.common.nextPage}</a> : null}
      </nav>
    </Layout>,
  );
}

// ---------------------------------------------------------------------------------------------
// New case

const PARTY_ROWS = 3;

interface NewCaseState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
  rows: number;
}

function NewCaseForm(p: { actor: Actor; csrf: string; state: NewCaseState; stations: { code: string; name: string }[] }) {
  const v = (name: string) => one(p.state.values, name);
  const e = p.state.errors;
  const allowed = caseCreation(p.actor);
  const station = allowed.stationCode !== undefined;
  const sources = allowed.sources ?? SOURCES;
  const errorFields = Object.entries(e).map(([name, message]) => ({ name, message, label: fieldLabel(name) }));
  return (
    <form method="post" action="/cases/new" class="form new-case">
      {p.state.error ? <ErrorBox title={p.state.error.title} detail={p.state.error.detail} fields={errorFields} /> : null}
      <Csrf token={p.csrf} />
      <input type="hidden" name="_key" value={p.state.key} />
      <p class="hint">{UI.cases.newIntro}</p>
      <div class="grid">
        <Row label={fieldLabel('source')} name="source" required error={e.source}>
          <Select name="source" value={v('source')} required error={e.source} options={sources.map((s) => [s, valueLabel('source', s)])} />
        </Row>
        <Row label={fieldLabel('stationCode')} name="stationCode" required error={e.stationCode}>
          {station ? (
            <>
              <input type="hidden" name="stationCode" value={p.actor.stationCode ?? ''} />
              <p class="fixed" id="f-stationCode">
                {p.stations.find((s) => s.code === p.actor.stationCode)?.name ?? p.actor.stationCode}
              </p>
            </>
          ) : (
            <Select name="stationCode" value={v('stationCode')} blank={UI.common.chooseOne} required error={e.stationCode} options={p.stations.map((s) => [s.code, s.name])} />
          )}
        </Row>
        <Row label={fieldLabel('track')} name="track" error={e.track}>
          <Select name="track" value={v('track')} blank={UI.common.chooseOne} error={e.track} options={TRACKS.map((t) => [t, valueLabel('track', t)])} />
        </Row>
        <Row label={fieldLabel('procedure')} name="procedure" error={e.procedure}>
          <Select name="procedure" value={v('procedure') || 'ordinary'} error={e.procedure} options={PROCEDURES.map((t) => [t, valueLabel('procedure', t)])} />
        </Row>
        <Row label={fieldLabel('disputeType')} name="disputeType" required error={e.disputeType}>
          <input type="text" name="disputeType" id="f-disputeType" list="dispute-types" value={v('disputeType')} required aria-invalid={e.disputeType ? 'true' : undefined} />
          <datalist id="dispute-types">
            {DISPUTE_TYPE_SUGGESTIONS.map((d) => (
              <option value={d} />
            ))}
          </datalist>
        </Row>
        <Row label={fieldLabel('claimAmount')} name="claimAmount" error={e.claimAmount}>
          <Input name="claimAmount" value={v('claimAmount')} inputmode="decimal" placeholder={UI.examples.claimAmount} error={e.claimAmount} />
        </Row>
      </div>
      <Row label={fieldLabel('summary')} name="summary" required error={e.summary} wide>
        <TextArea name="summary" value={v('summary')} required rows={4} error={e.summary} />
      </Row>
      <fieldset class="parties" data-parties>
        <legend>{UI.cases.partiesLegend}</legend>
        <p class="hint">{UI.cases.partyHint}</p>
        <input type="hidden" name="_parties" value={String(p.state.rows)} data-party-count />
        {Array.from({ length: p.state.rows }, (_, i) => (
          <div class="party-row" data-party-row={String(i)}>
            <Row label={fieldLabel('role')} name={`parties.${i}.role`} error={e[`parties.${i}.role`]}>
              <Select
                name={`parties.${i}.role`}
                value={v(`parties.${i}.role`) || (i === 0 ? 'applicant' : 'respondent')}
                options={Object.entries(PARTY_ROLE_LABELS)}
                error={e[`parties.${i}.role`]}
              />
            </Row>
            <Row label={fieldLabel('name')} name={`parties.${i}.name`} required={i === 0} error={e[`parties.${i}.name`]}>
              <Input name={`parties.${i}.name`} value={v(`parties.${i}.name`)} error={e[`parties.${i}.name`]} />
            </Row>
            <Row label={fieldLabel('idNumber')} name={`parties.${i}.idNumber`} error={e[`parties.${i}.idNumber`]}>
              <Input name={`parties.${i}.idNumber`} value={v(`parties.${i}.idNumber`)} error={e[`parties.${i}.idNumber`]} autocomplete="off" />
            </Row>
            <Row label={fieldLabel('phone')} name={`parties.${i}.phone`} error={e[`parties.${i}.phone`]}>
              <Input name={`parties.${i}.phone`} value={v(`parties.${i}.phone`)} type="tel" error={e[`parties.${i}.phone`]} autocomplete="off" />
            </Row>
          </div>
        ))}
        <button type="button" class="secondary" data-add-party hidden>
          {UI.cases.addParty}
        </button>
      </fieldset>
      {station ? null : (
        <fieldset>
          <legend>{UI.cases.enforcementLegend}</legend>
          <div class="grid">
            <Row label={fieldLabel('enforceableDocument')} name="enforceableDocument" error={e.enforceableDocument}>
              <Input name="enforceableDocument" value={v('enforceableDocument')} error={e.enforceableDocument} placeholder={UI.examples.enforceableDocument} />
            </Row>
            <Row label={fieldLabel('owedAmount')} name="owedAmount" error={e.owedAmount}>
              <Input name="owedAmount" value={v('owedAmount')} inputmode="decimal" error={e.owedAmount} />
            </Row>
          </div>
        </fieldset>
      )}
      <details class="backfill" open={!!v('occurredAt') || !!e.occurredAt}>
        <summary>{UI.cases.backfillLegend}</summary>
        <Row label={fieldLabel('occurredAt')} name="occurredAt" error={e.occurredAt} hint={UI.event.occurredAtHint}>
          <Input name="occurredAt" type="datetime-local" value={v('occurredAt')} error={e.occurredAt} />
        </Row>
      </details>
      <div class="actions">
        <button type="submit" class="primary">
          {UI.nav.newCase}
        </button>
        <a class="button secondary" href="/cases">
          {UI.common.cancel}
        </a>
      </div>
    </form>
  );
}

/** The form as the API's creation body; `rowOf[k]` is the form row of the k-th party sent. */
function caseBodyOf(form: FormBody, actor: Actor): { body: Record<string, unknown>; rowOf: number[]; rows: number } {
  const body: Record<string, unknown> = {};
  for (const k of ['track', 'procedure', 'source', 'stationCode', 'disputeType', 'summary', 'enforceableDocument']) {
    const v = one(form, k).trim();
    if (v) body[k] = v;
  }
  for (const k of ['claimAmount', 'owedAmount']) {
    const v = cleanMoney(one(form, k));
    if (v) body[k] = v;
  }
  const when = one(form, 'occurredAt').trim();
  if (when) body.occurredAt = fromLocalDateTime(when);
  const fixedStation = caseCreation(actor).stationCode;
  if (fixedStation !== undefined) body.stationCode = fixedStation;
  const rows = Math.min(50, Math.max(PARTY_ROWS, Number(one(form, '_parties')) || 0));
  const parties: Record<string, string>[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i < rows; i++) {
    const p: Record<string, string> = {};
    for (const k of ['role', 'name', 'idNumber', 'phone']) {
      const v = one(form, `parties.${i}.${k}`).trim();
      if (v) p[k] = v;
    }
    if (!p.name && !p.idNumber && !p.phone) continue;
    parties.push(p);
    rowOf.push(i);
  }
  body.parties = parties;
  return { body, rowOf, rows };
}

function caseFieldErrors(err: ValidationError, rowOf: number[]): FieldErrorMap {
  const out: FieldErrorMap = {};
  for (const e of err.errors) {
    const field = e.field;
    let name = field;
    const m = /^parties\.(\d+)\.(\w+)/.exec(field);
    if (m) name = `parties.${rowOf[Number(m[1])] ?? m[1]}.${m[2]}`;
    else if (field === 'parties') name = 'parties.0.name';
    out[name] ??= sayField(e);
  }
  return out;
}

async function newCasePage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: NewCaseState, status: 200 | 400 | 403 | 409 | 503 = 200) {
  const stations = (await listStations(deps.db)).items;
  const allowed = caseCreation(ctx.actor);
  const st: NewCaseState = state ?? {
    values: { source: allowed.sources?.[0] ?? 'court_referral', track: 'pre_filing' },
    errors: {},
    key: newFormKey(),
    rows: PARTY_ROWS,
  };
  const title = allowed.stationCode !== undefined ? UI.cases.stationNewTitle : UI.cases.newTitle;
  return html(
    c,
    <Layout title={title} actor={ctx.actor} csrf={ctx.csrf} active="new">
      <h1>{title}</h1>
      <NewCaseForm actor={ctx.actor} csrf={ctx.csrf} state={st} stations={stations} />
    </Layout>,
    status,
  );
}

// ---------------------------------------------------------------------------------------------
// The case page

function Parties(p: { view: CaseView }) {
  return (
    <table class="table compact" data-testid="parties">
      <thead>
        <tr>
          <th>{fieldLabel('role')}</th>
          <th>{fieldLabel('name')}</th>
          <th>{fieldLabel('idNumber')}</th>
          <th>{fieldLabel('phone')}</th>
        </tr>
      </thead>
      <tbody>
        {p.view.parties.map((x) => (
          <tr>
            <td>{valueLabel('role', x.role, 'party')}</td>
            <td>{x.name}</td>
            <td class="mono">{x.idNumber ?? '—'}</td>
            <td class="mono">{x.phone ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface CaseCtx {
  deputyIds?: string[];
  recusedDeputyIds?: string[];
  mediatorName?: string | null;
  sessionsHeld?: number;
  nextSession?: { at: string; location: string } | null;
  agreement?: { terms: string; amount: string; dueDate: string; installments: { dueDate: string; amount: string }[] | null; reachedAt: string } | null;
  paidAmount?: string;
  rulingNumber?: string | null;
  enforcementCaseNumber?: string | null;
  measures?: string[];
  outcomeReason?: string | null;
}

function CaseFacts(p: { view: CaseView; names: Names }) {
  const v = p.view;
  const x = v.context as CaseCtx;
  const deputies = (ids: string[] | undefined) => (ids?.length ? ids.map((d) => p.names.deputies.get(d) ?? d).join('、') : null);
  return (
    <Facts
      items={[
        [UI.cases.track, valueLabel('track', v.track)],
        [UI.cases.procedure, v.track === 'post_filing' ? valueLabel('procedure', v.procedure) : null],
        [UI.cases.source, valueLabel('source', v.source)],
        [UI.cases.station, p.names.stations.get(v.stationCode) ?? v.stationCode],
        [UI.cases.disputeType, v.disputeType],
        [UI.cases.summary, v.summary],
        [UI.cases.claim, v.claimAmount ? <Money value={v.claimAmount} /> : null],
        [UI.cases.openedAt, formatDateTime(v.openedAt)],
        [UI.cases.mediator, x.mediatorName ?? null],
        [UI.cases.deputies, deputies(x.deputyIds)],
        [UI.cases.recused, deputies(x.recusedDeputyIds)],
        [UI.cases.sessions, x.sessionsHeld ? String(x.sessionsHeld) : null],
        [UI.cases.nextSession, x.nextSession ? `${formatDateTime(x.nextSession.at)} · ${x.nextSession.location}` : null],
        [UI.cases.agreement, x.agreement ? x.agreement.terms : null],
        [UI.cases.agreedAmount, x.agreement ? <Money value={x.agreement.amount} /> : null],
        [UI.cases.dueDate, x.agreement ? formatDate(x.agreement.dueDate) : null],
        [
          UI.cases.installments,
          x.agreement?.installments ? x.agreement.installments.map((i) => `${formatDate(i.dueDate)} ¥${i.amount}`).join('；') : null,
        ],
        [UI.cases.paid, x.agreement ? <Money value={x.paidAmount ?? '0.00'} /> : null],
        [UI.cases.enforceable, v.enforceable ? UI.common.yes : null],
        [UI.cases.ruling, x.rulingNumber ?? null],
        [UI.cases.enforceableDocument, v.enforceableDocument ?? null],
        [UI.cases.enforcementCase, x.enforcementCaseNumber ?? null],
        [UI.cases.owed, v.owedAmount ? <Money value={v.owedAmount} /> : null],
        [UI.cases.recovered, v.owedAmount ? <Money value={v.recoveredAmount} /> : null],
        [UI.cases.measures, x.measures?.length ? x.measures.map((m) => valueLabel('measures', m)).join('、') : null],
        [UI.cases.outcome, v.outcome ? outcomeLabel(v.outcome) : null],
        [UI.cases.outcomeReason, v.outcome && x.outcomeReason ? valueLabel('outcomeReason', x.outcomeReason) : null],
        [UI.cases.closedAt, v.closedAt ? formatDateTime(v.closedAt) : null],
      ]}
    />
  );
}

function Deadlines(p: { view: CaseView; now: Date }) {
  const ranOut = p.view.ranOut;
  if (!p.view.deadlines.length && ranOut) {
    return (
      <p class="notice" data-testid="ran-out">
        <DeadlineBadge dueAt={ranOut.dueAt} now={p.now} kind={ranOut.kind} level={ranOut.level} />
      </p>
    );
  }
  if (!p.view.deadlines.length) return <p class="muted">{UI.cases.noDeadlines}</p>;
  return (
    <table class="table compact" data-testid="deadlines">
      <thead>
        <tr>
          <th>{UI.cases.deadlines}</th>
          <th>{UI.cases.lastDay}</th>
          <th>{UI.cases.daysLeft}</th>
        </tr>
      </thead>
      <tbody>
        {p.view.deadlines.map((d) => {
          const t = deadlineText(d.dueAt, p.now);
          return (
            <tr>
              <td>{DEADLINE_LABELS[d.kind] ?? d.kind}</td>
              <td>{t.lastDay}</td>
              <td>
                <DeadlineBadge dueAt={d.dueAt} now={p.now} level={d.level} calendarMissing={'calendarMissing' in d} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

async function casePage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const id = c.req.param('id') ?? '';
  const opts = { now, requestId: c.get('requestId'), warningDays: deps.warningDays };
  const view = await getCase(deps.db, actor, id, opts);
  const [history, names, diagram] = await Promise.all([caseHistory(deps.db, actor, id, opts), namesOf(deps), caseDiagram(deps.db, actor, id, MACHINE_LABELS.case)]);
  const machine = { ...machineDescription('case', MACHINE_LABELS.case), mermaid: diagram.mermaid };
  const ok = c.req.query('ok');
  const flash = ok?.startsWith('ev.') ? UI.event.done(eventLabel(ok.slice(3))) : ok === 'created' ? UI.cases.created : null;
  return html(
    c,
    <Layout title={view.number} actor={actor} csrf={csrf} active="cases" flash={flash} wide>
      <div class="page-head">
        <h1>
          {view.number} <StateBadge state={view.state} /> {view.overdue ? <OverdueBadge /> : null}
        </h1>
        <a href="/cases">{UI.common.backTo}{UI.nav.cases}</a>
      </div>
      <div class="columns">
        <div class="col-main">
          <Section title={UI.cases.currentState} id="state">
            <p class="state-words" data-testid="state-words">
              <strong>{stateLabel(view.state)}</strong>：{STATE_DESCRIPTIONS[view.state] ?? ''}
              {view.outcome ? ` ${UI.cases.outcome}：${outcomeLabel(view.outcome)}。` : ''}
            </p>
            <h3>{UI.cases.actions}</h3>
            {view.nextEvents.length || view.backdatableEvents.length ? (
              <div class="event-buttons" data-testid="actions">
                {view.nextEvents.map((e) => (
                  <a class="button" href={`/cases/${view.id}/events/${e}`} data-event={e}>
                    {eventLabel(e)}
                  </a>
                ))}
                {view.backdatableEvents.map((e) => (
                  <a class="button" href={`/cases/${view.id}/events/${e}`} data-event={e} data-backdated="true">
                    {eventLabel(e)}
                    {UI.event.backdatedMark}
                  </a>
                ))}
              </div>
            ) : (
              <p class="muted">{UI.cases.noActions}</p>
            )}
          </Section>
          <Section title={UI.cases.parties} id="parties">
            <Parties view={view} />
            {seesPersonalData(actor, view.stationCode) ? null : <p class="hint">{UI.cases.piiNote}</p>}
          </Section>
          <Section title={UI.cases.timeline} id="timeline">
            <Timeline items={history.items as HistoryItem[]} names={names} stateLabel={stateLabel} />
          </Section>
        </div>
        <div class="col-side">
          <Section title={UI.cases.deadlines} id="deadlines">
            <Deadlines view={view} now={now} />
          </Section>
          <Section title={UI.cases.basics} id="facts">
            <CaseFacts view={view} names={names} />
          </Section>
          <Section title={UI.cases.diagram} id="diagram">
            <StateDiagram machine={machine} current={view.state} labelOf={stateLabel} />
          </Section>
        </div>
      </div>
    </Layout>,
  );
}

// ---------------------------------------------------------------------------------------------
// One event's form

type CaseEventType = keyof typeof caseEventSchemas;
const isCaseEvent = (t: string): t is CaseEventType => Object.hasOwn(caseEventSchemas, t);


async function eventPage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: EventFormState, status: EventPageStatus = 200) {
  const { actor, csrf, now } = ctx;
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  const view = await getCase(deps.db, actor, id, { now, requestId: c.get('requestId') });
  if (!isCaseEvent(type)) return html(c, <UnknownEventPage actor={actor} csrf={csrf} />, 404);
  const names = await namesOf(deps);
  const x = view.context as CaseCtx;
  const assigned = (x.deputyIds ?? []).map((d) => ({ id: d, name: names.deputies.get(d) ?? d }));
  const stationName = (code: string) => names.stations.get(code) ?? code;
  // The case's own station's deputies first: they are the ones usually asked.
  const all = [...names.deputyList]
    .sort((a, b) => Number(b.stationCode === view.stationCode) - Number(a.stationCode === view.stationCode))
    .map((d) => ({ id: d.id, name: d.name, note: `${stationName(d.stationCode)}${d.expertise.length ? ` · ${d.expertise.join('、')}` : ''}` }));
  const self = selfAs(casePermissions[type], actor);
  const defaults: FormBody = type === 'RECORD_SESSION' ? { heldAt: toLocalDateTime(now.toISOString()), attendeeDeputyIds: assigned.map((d) => d.id) } : {};
  return html(
    c,
    <EventPage
      actor={actor}
      csrf={csrf}
      path="cases"
      entity={view}
      type={type}
      fields={fieldsOf(caseEventSchemas[type])}
      state={state ?? { values: defaults, errors: {}, key: newFormKey() }}
      deputyChoices={{ deputyIds: all, attendeeDeputyIds: assigned, deputyId: assigned }}
      fixed={self ? { deputyId: { value: self, text: names.deputies.get(self) ?? actor.name } } : undefined}
    />,
    status,
  );
}

async function sendEvent(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  if (!isCaseEvent(type)) return eventPage(deps, c, ctx);
  const form = c.get('form');
  const fields = fieldsOf(caseEventSchemas[type]);
  const body: Record<string, unknown> = { type, ...payloadOf(fields, form) };
  // A deputy recuses only themself, whatever the form says (the engine checks it too).
  const self = selfAs(casePermissions[type], ctx.actor);
  if (self !== undefined) body.deputyId = self;
  const refused = await submitEventForm(deps, c, ctx.actor, caseStore, fields, id, body);
  if (refused) return eventPage(deps, c, ctx, refused.state, refused.status);
  return c.redirect(`/cases/${id}?ok=ev.${type}#timeline`, 303);
}

// ---------------------------------------------------------------------------------------------

export function casePages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/cases', page(deps, (c, ctx) => listPage(deps, c, ctx)));
  app.get('/cases/new', page(deps, (c, ctx) => newCasePage(deps, c, ctx), { may: 'case.create' }));
  app.post(
    '/cases/new',
    page(
      deps,
      async (c, ctx) => {
        const form = c.get('form');
        const { body, rowOf, rows } = caseBodyOf(form, ctx.actor);
        const state = (errors: FieldErrorMap, error: NewCaseState['error']): NewCaseState => ({ values: form, errors, error, key: one(form, '_key') || newFormKey(), rows });
        try {
          const result = await createEntity(engineOf(deps, c), caseStore, ctx.actor, body, { idempotency: idempotencyOfForm(c, form, body), render: brief });
          return c.redirect(`/cases/${(result.body as { id: string }).id}?ok=created`, 303);
        } catch (err) {
          if (err instanceof ValidationError) {
            return newCasePage(deps, c, ctx, state(caseFieldErrors(err, rowOf), { title: ERROR_TITLES.validation, detail: '' }), 400);
          }
          const d = describeError(err);
          if (!d) throw err;
          return newCasePage(deps, c, ctx, state({}, { title: ERROR_TITLES[d.code] ?? d.code, detail: d.detail }), d.status as 403);
        }
      },
      { may: 'case.create' },
    ),
  );
  app.get('/cases/:id', page(deps, (c, ctx) => casePage(deps, c, ctx)));
  app.get('/cases/:id/events/:type', page(deps, (c, ctx) => eventPage(deps, c, ctx)));
  app.post('/cases/:id/events/:type', page(deps, (c, ctx) => sendEvent(deps, c, ctx)));
}



/**
 * Supervision items (监督事项, 清单管理): the committee's list, a new item with its sample cases,
 * each item's page with its timeline, linked cases and actions. Court staff answer from here.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { createEntity } from '../../engine/apply.js';
import { listStations } from '../../engine/directory.js';
import { ValidationError } from '../../engine/errors.js';
import { machineDescription } from '../../engine/machines.js';
import { supervisionStore } from '../../engine/stores.js';
import { getSupervision, listSupervisions, supervisionHistory } from '../../engine/supervision-views.js';
import { listCases } from '../../engine/views.js';
import { can } from '../../machines/policy.js';
import { sayField } from '../wording.js';
import { EventPage, UnknownEventPage } from '../event-page.js';
import { SUPERVISION_KINDS, supervisionEventSchemas } from '../../machines/supervision.js';
import { deadlineText, formatDate } from '../../format.js';
import {
  DEADLINE_LABELS,
  eventLabel,
  fieldLabel,
  MACHINE_LABELS,
  outcomeLabel,
  SUPERVISION_STATE_DESCRIPTIONS,
  supervisionStateLabel,
  valueLabel,
} from '../../labels.js';
import { ERROR_TITLES, UI } from '../../words.js';
import { Csrf, DeadlineBadge, DeadlineCell, ErrorBox, Facts, Input, OverdueBadge, Row, Section, Select, StateBadge, TextArea, type FieldErrorMap } from '../components.js';
import { developerView, StateDiagram } from '../diagram.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, restoredFormState, submitEventForm, type EventFormState, type EventPageStatus } from '../engine-call.js';
import { fieldsOf, fromLocalDateTime, payloadOf } from '../forms.js';
import { one, type FormBody, type WebEnv } from '../http.js';
import { JustDone, Timeline, type HistoryItem } from '../journal.js';
import { Layout } from '../layout.js';
import { describeError, html, page, type PageCtx, type WebContext } from '../page.js';
import { DownloadLinks, filtersQuery } from '../downloads.js';

type Item = Awaited<ReturnType<typeof getSupervision>>;

async function listPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const state = c.req.query('state') || undefined;
  const cursor = c.req.query('cursor') || undefined;
  const result = await listSupervisions(deps.db, actor, { state, cursor, limit: 30 }, { now, warningDays: deps.warningDays });
  const flash = c.req.query('ok') === 'created' ? UI.supervisions.created : null;
  return html(
    c,
    <Layout title={UI.supervisions.listTitle} actor={actor} csrf={csrf} active="supervisions" flash={flash} wide>
      <div class="page-head">
        <h1>{UI.supervisions.listTitle}</h1>
        <DownloadLinks href={`/supervisions/download${filtersQuery(c, ['state'])}`} />
        {can(actor, 'supervision.create') ? (
          <a class="button primary" href="/supervisions/new">
            {UI.supervisions.newTitle}
          </a>
        ) : null}
      </div>
      <form method="get" action="/supervisions" class="filters" data-autosubmit>
        <label>
          {UI.supervisions.state}
          <Select
            name="state"
            value={state}
            blank={UI.common.all}
            options={['open', 'awaitingReport', 'reviewing', 'rectifying', 'closed'].map((s) => [s, supervisionStateLabel(s)])}
          />
        </label>
        <div class="filter-actions">
          <button type="submit">{UI.common.search}</button>
        </div>
      </form>
      {result.items.length ? (
        <table class="table" data-testid="supervision-list">
          <thead>
            <tr>
              <th>{UI.supervisions.number}</th>
              <th>{UI.supervisions.kind}</th>
              <th>{UI.supervisions.subject}</th>
              <th>{UI.supervisions.respondent}</th>
              <th>{UI.supervisions.state}</th>
              <th>{UI.cases.deadline}</th>
              <th>{UI.supervisions.cases}</th>
              <th>{UI.supervisions.openedAt}</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((s) => (
              <tr class={s.ranOut ? 'is-overdue' : undefined} data-supervision={s.number}>
                <td>
                  <a href={`/supervisions/${s.id}`}>{s.number}</a>
                </td>
                <td>{valueLabel('kind', s.kind, 'supervision')}</td>
                <td>{s.subject}</td>
                <td>{s.respondent}</td>
                <td>
                  <StateBadge state={s.state} supervision /> {s.ranOut ? <OverdueBadge /> : null}
                  {s.rating ? <small class="muted"> {valueLabel('rating', s.rating)}</small> : null}
                </td>
                <td>
                  <DeadlineCell deadlines={s.deadlines} ranOut={s.ranOut} now={now} />
                </td>
                <td>{s.caseIds.length}</td>
                <td class="nowrap">{formatDate(s.openedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">{UI.supervisions.none}</p>
      )}
      <nav class="pager">{result.nextCursor ? <a href={`/supervisions?${new URLSearchParams({ ...(state ? { state } : {}), cursor: result.nextCursor })}`}>{UI.common.nextPage}</a> : null}</nav>
    </Layout>,
  );
}

// ---------------------------------------------------------------------------------------------
// New item

interface NewState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
}

async function newPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, state?: NewState, status: 200 | 400 | 403 | 409 | 503 = 200) {
  const restored = restoredFormState(c);
  const st: NewState = state ??
    (restored ? { values: restored.values, errors: {}, key: restored.key } : { values: { kind: 'case_inquiry', caseNumbers: c.req.query('cases') ?? '' }, errors: {}, key: newFormKey() });
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  return html(
    c,
    <Layout title={UI.supervisions.newTitle} actor={actor} csrf={csrf} active="supervisions">
      <h1>{UI.supervisions.newTitle}</h1>
      {restored && !state ? (
        <div class="notice" role="status" data-testid="restored">
          <strong>{restored.notice?.title}</strong> {restored.notice?.detail}
        </div>
      ) : null}
      <form method="post" action="/supervisions/new" class="form card">
        {st.error ? (
          <ErrorBox
            title={st.error.title}
            detail={st.error.detail}
            fields={Object.entries(e).map(([name, message]) => ({ name, message, label: name === 'caseNumbers' ? fieldLabel('caseIds') : fieldLabel(name, name === 'kind' ? 'supervision' : undefined) }))}
          />
        ) : null}
        <Csrf token={csrf} />
        <input type="hidden" name="_key" value={st.key} />
        <Row label={fieldLabel('kind', 'supervision')} name="kind" required error={e.kind}>
          <Select name="kind" value={v('kind')} required error={e.kind} options={SUPERVISION_KINDS.map((k) => [k, valueLabel('kind', k, 'supervision')])} />
        </Row>
        <Row label={fieldLabel('subject')} name="subject" required error={e.subject} wide>
          <Input name="subject" value={v('subject')} required error={e.subject} placeholder={UI.examples.subject} />
        </Row>
        <Row label={fieldLabel('respondent')} name="respondent" required error={e.respondent}>
          <Input name="respondent" value={v('respondent')} required error={e.respondent} placeholder={UI.examples.respondent} />
        </Row>
        <Row label={fieldLabel('caseIds')} name="caseNumbers" error={e.caseNumbers} hint={UI.supervisions.casesHint} wide>
          <TextArea name="caseNumbers" value={v('caseNumbers')} rows={4} error={e.caseNumbers} />
        </Row>
        <details class="backfill" open={!!v('occurredAt') || !!e.occurredAt}>
          <summary>{UI.cases.backfillLegend}</summary>
          <Row label={fieldLabel('occurredAt')} name="occurredAt" error={e.occurredAt}>
            <Input name="occurredAt" type="datetime-local" value={v('occurredAt')} error={e.occurredAt} />
          </Row>
        </details>
        <div class="actions">
          <button type="submit" class="primary">
            {UI.supervisions.newTitle}
          </button>
          <a class="button secondary" href="/supervisions">
            {UI.common.cancel}
          </a>
        </div>
      </form>
    </Layout>,
    status,
  );
}

/** Case numbers as people write them → case ids, through the case list (what this user may read). */
async function caseIdsOf(deps: AppDeps, c: WebContext, ctx: PageCtx, text: string): Promise<{ ids: string[]; missing: string[] }> {
  const numbers = [...new Set(text.split(/[\s,，、;；]+/).map((s) => s.trim()).filter(Boolean))];
  const ids: string[] = [];
  const missing: string[] = [];
  for (const n of numbers) {
    const found = await listCases(deps.db, ctx.actor, { q: n, limit: 5 }, { now: ctx.now, requestId: c.get('requestId') });
    const hit = found.items.find((x) => x.number.toLowerCase() === n.toLowerCase());
    if (hit) ids.push(hit.id);
    else missing.push(n);
  }
  return { ids, missing };
}

async function create(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const form = c.get('form');
  const again = (errors: FieldErrorMap, error: NewState['error'], status: 400 | 403 | 409 | 503) =>
    newPage(deps, c, ctx, { values: form, errors, error, key: one(form, '_key') || newFormKey() }, status);
  const { ids, missing } = await caseIdsOf(deps, c, ctx, one(form, 'caseNumbers'));
  if (missing.length) {
    return again({ caseNumbers: missing.map((n) => UI.supervisions.caseNotFound(n)).join('；') }, { title: ERROR_TITLES.validation, detail: '' }, 400);
  }
  const body: Record<string, unknown> = { caseIds: ids };
  for (const k of ['kind', 'subject', 'respondent']) {
    const v = one(form, k).trim();
    if (v) body[k] = v;
  }
  const when = one(form, 'occurredAt').trim();
  if (when) body.occurredAt = fromLocalDateTime(when);
  try {
    const r = await createEntity(engineOf(deps, c), supervisionStore, ctx.actor, body, { idempotency: idempotencyOfForm(c, form, body), render: brief });
    return c.redirect(`/supervisions/${(r.body as { id: string }).id}?ok=created`, 303);
  } catch (err) {
    if (err instanceof ValidationError) {
      const errors: FieldErrorMap = {};
      for (const x of err.errors) errors[x.field.startsWith('caseIds') ? 'caseNumbers' : x.field.split('.')[0]] ??= sayField(x);
      return again(errors, { title: ERROR_TITLES.validation, detail: '' }, 400);
    }
    const d = describeError(err);
    if (!d) throw err;
    return again({}, { title: ERROR_TITLES[d.code] ?? d.code, detail: d.detail }, d.status as 403);
  }
}

// ---------------------------------------------------------------------------------------------
// The item's page

interface ItemCtx {
  reportDueDate?: string | null;
  reportsSubmitted?: number;
  rectificationDueDate?: string | null;
  rectificationsSubmitted?: number;
  conclusion?: string | null;
}

function ItemHeader(p: { item: Item }) {
  return (
    <div class="page-head">
      <h1>
        {p.item.number} <StateBadge state={p.item.state} supervision /> {p.item.ranOut ? <OverdueBadge /> : null}
      </h1>
      <a href="/supervisions">
        {UI.common.backTo}
        {UI.nav.supervisions}
      </a>
    </div>
  );
}

async function itemPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const id = c.req.param('id') ?? '';
  const item = await getSupervision(deps.db, actor, id, { now, warningDays: deps.warningDays });
  const [history, stations] = await Promise.all([supervisionHistory(deps.db, actor, id), listStations(deps.db)]);
  const names = {
    deputies: new Map<string, string>(),
    stations: new Map(stations.items.map((s) => [s.code, s.name])),
    cases: new Map(item.cases.map((x) => [x.id, x.number])),
  };
  const x = item.context as ItemCtx;
  const ok = c.req.query('ok');
  // What was just done is said at the head of the timeline, beside the new entry (issue 15 §6).
  const done = ok?.startsWith('ev.') ? ok.slice(3) : undefined;
  const flash = ok === 'created' ? UI.supervisions.created : null;
  const machine = machineDescription('supervision', MACHINE_LABELS.supervision);
  const items = history.items as HistoryItem[];
  return html(
    c,
    <Layout title={item.number} actor={actor} csrf={csrf} active="supervisions" flash={flash} wide>
      <ItemHeader item={item} />
      <div class="columns">
        <div class="col-main">
          <Section title={UI.cases.currentState}>
            <p class="state-words" data-testid="state-words">
              <strong>{supervisionStateLabel(item.state)}</strong>：{SUPERVISION_STATE_DESCRIPTIONS[item.state] ?? ''}
            </p>
            <h3>{UI.cases.actions}</h3>
            {item.nextEvents.length ? (
              <div class="event-buttons" data-testid="actions">
                {item.nextEvents.map((e) => (
                  <a class="button" href={`/supervisions/${item.id}/events/${e}`} data-event={e}>
                    {eventLabel(e)}
                  </a>
                ))}
              </div>
            ) : (
              <p class="muted">{UI.cases.noActions}</p>
            )}
          </Section>
          <Section title={UI.supervisions.cases}>
            {item.cases.length ? (
              <table class="table compact" data-testid="linked-cases">
                <thead>
                  <tr>
                    <th>{UI.cases.number}</th>
                    <th>{UI.cases.state}</th>
                    <th>{UI.cases.disputeType}</th>
                    <th>{UI.cases.station}</th>
                  </tr>
                </thead>
                <tbody>
                  {item.cases.map((k) => (
                    <tr>
                      <td>
                        <a href={`/cases/${k.id}`}>{k.number}</a>
                      </td>
                      <td>
                        <StateBadge state={k.state} /> {k.overdue ? <OverdueBadge /> : null}
                        {k.outcome ? <small class="muted"> {outcomeLabel(k.outcome)}</small> : null}
                      </td>
                      <td>{k.disputeType}</td>
                      <td>{names.stations.get(k.stationCode) ?? k.stationCode}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">{UI.supervisions.noCases}</p>
            )}
          </Section>
          <Section title={UI.cases.timeline} id="timeline">
            {done ? <JustDone message={UI.event.done(eventLabel(done))} type={done} items={items} names={names} stateLabel={supervisionStateLabel} scope="supervision" /> : null}
            <Timeline items={items} names={names} stateLabel={supervisionStateLabel} scope="supervision" />
          </Section>
        </div>
        <div class="col-side">
          <Section title={UI.cases.deadlines}>
            {item.ranOut ? (
              <p class="notice" data-testid="ran-out">
                <DeadlineBadge dueAt={item.ranOut.dueAt} now={now} kind={item.ranOut.kind} level={item.ranOut.level} />
              </p>
            ) : item.deadlines.length ? (
              <table class="table compact">
                <tbody>
                  {item.deadlines.map((d) => (
                    <tr>
                      <td>{DEADLINE_LABELS[d.kind] ?? d.kind}</td>
                      <td class="nowrap">{deadlineText(d.dueAt, now).lastDay}</td>
                      <td>
                        <DeadlineBadge dueAt={d.dueAt} now={now} level={d.level} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">{UI.cases.noDeadlines}</p>
            )}
          </Section>
          <Section title={UI.supervisions.basics}>
            <Facts
              items={[
                [UI.supervisions.kind, valueLabel('kind', item.kind, 'supervision')],
                [UI.supervisions.subject, item.subject],
                [UI.supervisions.respondent, item.respondent],
                [UI.supervisions.openedAt, formatDate(item.openedAt)],
                [UI.supervisions.reports, x.reportsSubmitted ? String(x.reportsSubmitted) : null],
                [UI.supervisions.rectifications, x.rectificationsSubmitted ? String(x.rectificationsSubmitted) : null],
                [UI.supervisions.rating, item.rating ? valueLabel('rating', item.rating) : null],
                [UI.supervisions.conclusion, x.conclusion ?? null],
              ]}
            />
          </Section>
          <Section title={UI.cases.diagram}>
            <StateDiagram
              machine={machine}
              current={item.state}
              labelOf={supervisionStateLabel}
              describe={(s) => SUPERVISION_STATE_DESCRIPTIONS[s]}
              developer={developerView((k) => c.req.query(k))}
            />
          </Section>
        </div>
      </div>
    </Layout>,
  );
}

// ---------------------------------------------------------------------------------------------
// Events

type SupervisionEventType = keyof typeof supervisionEventSchemas;
const isEvent = (t: string): t is SupervisionEventType => Object.hasOwn(supervisionEventSchemas, t);


async function eventPage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: EventFormState, status: EventPageStatus = 200) {
  const { actor, csrf, now } = ctx;
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  const item = await getSupervision(deps.db, actor, id, { now });
  if (!isEvent(type)) return html(c, <UnknownEventPage actor={actor} csrf={csrf} />, 404);
  const st = state ?? restoredFormState(c) ?? { values: {}, errors: {}, key: newFormKey() };
  const since = st.changedSince;
  const changes =
    since !== undefined
      ? {
          items: ((await supervisionHistory(deps.db, actor, id)).items as HistoryItem[]).filter((e) => e.seq > since),
          names: { deputies: new Map<string, string>(), stations: new Map<string, string>(), cases: new Map(item.cases.map((x) => [x.id, x.number])) },
          stateLabel: supervisionStateLabel,
          scope: 'supervision',
        }
      : undefined;
  return html(
    c,
    <EventPage
      actor={actor}
      csrf={csrf}
      path="supervisions"
      entity={item}
      type={type}
      fields={fieldsOf(supervisionEventSchemas[type])}
      state={st}
      changes={changes}
    />,
    status,
  );
}

async function sendEvent(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  if (!isEvent(type)) return eventPage(deps, c, ctx);
  const form = c.get('form');
  const fields = fieldsOf(supervisionEventSchemas[type]);
  const body: Record<string, unknown> = { type, ...payloadOf(fields, form) };
  const refused = await submitEventForm(deps, c, ctx.actor, supervisionStore, fields, id, body);
  if (refused) return eventPage(deps, c, ctx, refused.state, refused.status);
  return c.redirect(`/supervisions/${id}?ok=ev.${type}#timeline`, 303);
}

export function supervisionPages(app: Hono<WebEnv>, deps: AppDeps) {
  const readers = { may: 'supervision.read' } as const;
  app.get('/supervisions', page(deps, (c, ctx) => listPage(deps, c, ctx), readers));
  app.get('/supervisions/new', page(deps, (c, ctx) => newPage(deps, c, ctx), { may: 'supervision.create' }));
  app.post('/supervisions/new', page(deps, (c, ctx) => create(deps, c, ctx), { may: 'supervision.create' }));
  app.get('/supervisions/:id', page(deps, (c, ctx) => itemPage(deps, c, ctx), readers));
  app.get('/supervisions/:id/events/:type', page(deps, (c, ctx) => eventPage(deps, c, ctx), readers));
  app.post('/supervisions/:id/events/:type', page(deps, (c, ctx) => sendEvent(deps, c, ctx), readers));
}

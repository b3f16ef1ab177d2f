/**
 * Supervision items (监督事项, 清单管理): the committee's list, a new item with its sample cases,
 * each item's page with its timeline, linked cases and actions. Court staff answer from here.
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../../edge/context.js';
import { createEntity } from '../../engine/apply.js';
import { listStations } from '../../engine/directory.js';
import { machineDescription } from '../../engine/machines.js';
import { supervisionStore } from '../../engine/stores.js';
import { getSupervision, listSupervisions, supervisionHistory } from '../../engine/supervision-views.js';
import { listCases } from '../../engine/views.js';
import { can } from '../../machines/policy.js';
import { eventPages, type EventRoutes } from '../event-page.js';
import { doneOf, EntityPage, NewEntityPage, type NewFormState } from '../entity-page.js';
import { SUPERVISION_KINDS, supervisionEventSchemas, supervisionInputSchema, supervisionMachine } from '../../machines/supervision.js';
import { alwaysClosingEvents } from '../../machines/spec.js';
import { formatDate } from '../../format.js';
import {
  eventLabel,
  fieldLabel,
  MACHINE_LABELS,
  outcomeLabel,
  SUPERVISION_STATE_DESCRIPTIONS,
  supervisionStateLabel,
  valueLabel,
} from '../../labels.js';
import { ERROR_TITLES, UI } from '../../words.js';
import { DeadlineBadge, DeadlineCell, Facts, FilterSelect, Input, OverdueBadge, Row, Section, Select, StateBadge, TextArea, type FieldErrorMap } from '../components.js';
import { developerView } from '../diagram.js';
import { shownName } from '../choices.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, restoredFormState } from '../engine-call.js';
import { fromLocalDateTime, limitHint, textLimit } from '../forms.js';
import { one, type WebEnv } from '../http.js';
import { type HistoryItem } from '../journal.js';
import { Layout } from '../layout.js';
import { html, page, pageAt, type PageCtx, type WebContext } from '../page.js';
import { DownloadLinks, filtersQuery } from '../downloads.js';
import { formAction } from '../form-action.js';
import { Table } from '../table.js';
import { DeadlineTable } from '../deadlines.js';

type Item = Awaited<ReturnType<typeof getSupervision>>;

const SUPERVISION_STATES = ['open', 'awaitingReport', 'reviewing', 'rectifying', 'closed'];

async function listPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const state = c.req.query('state') || undefined;
  const { page: result, reset } = await pageAt(c.req.query('cursor') || undefined, (cursor) => listSupervisions(deps.db, actor, { state, cursor, limit: 30 }, { now, warningDays: deps.warningDays }));
  const flash = c.req.query('ok') === 'created' ? UI.supervisions.created : null;
  return html(
    c,
    <Layout title={UI.supervisions.listTitle} actor={actor} csrf={csrf} active="supervisions" flash={flash} note={reset ? UI.common.pageLinkExpired : null} wide>
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
        <FilterSelect label={UI.supervisions.state} name="state" value={state} options={SUPERVISION_STATES.map((s) => [s, supervisionStateLabel(s)])} />
        <div class="filter-actions">
          <button type="submit">{UI.common.search}</button>
        </div>
      </form>
      <Table
        testid="supervision-list"
        rows={result.items}
        empty={<p class="empty">{UI.supervisions.none}</p>}
        rowAttrs={(s) => ({ class: s.ranOut ? 'is-overdue' : undefined, 'data-supervision': s.number })}
        columns={[
          { label: UI.supervisions.number, head: true, class: 'nowrap', cell: (s) => <a href={`/supervisions/${s.id}`}>{s.number}</a> },
          { label: UI.supervisions.kind, cell: (s) => valueLabel('kind', s.kind, 'supervision') },
          { label: UI.supervisions.subject, cell: (s) => s.subject },
          { label: UI.supervisions.respondent, cell: (s) => s.respondent },
          {
            label: UI.supervisions.state,
            cell: (s) => (
              <>
                <StateBadge state={s.state} supervision /> {s.ranOut ? <OverdueBadge /> : null}
                {s.rating ? <small class="muted"> {valueLabel('rating', s.rating)}</small> : null}
              </>
            ),
          },
          { label: UI.cases.deadline, cell: (s) => <DeadlineCell deadlines={s.deadlines} ranOut={s.ranOut} now={now} /> },
          { label: UI.supervisions.cases, cell: (s) => s.caseIds.length },
          { label: UI.supervisions.openedAt, class: 'nowrap', cell: (s) => formatDate(s.openedAt) },
        ]}
      />
      <nav class="pager">{result.nextCursor ? <a href={`/supervisions?${new URLSearchParams({ ...(state ? { state } : {}), cursor: result.nextCursor })}`}>{UI.common.nextPage}</a> : null}</nav>
    </Layout>,
  );
}

// ---------------------------------------------------------------------------------------------
// New item

type NewState = NewFormState;

async function newPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, state?: NewState, status: ContentfulStatusCode = 200) {
  const restored = restoredFormState(c);
  const st: NewState = state ??
    (restored ? { values: restored.values, errors: {}, key: restored.key } : { values: { kind: 'case_inquiry', caseNumbers: c.req.query('cases') ?? '' }, errors: {}, key: newFormKey() });
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  return html(
    c,
    <NewEntityPage
      actor={actor}
      csrf={csrf}
      title={UI.supervisions.newTitle}
      active="supervisions"
      action="/supervisions/new"
      cancel="/supervisions"
      class="card"
      state={st}
      label={(name) => (name === 'caseNumbers' ? fieldLabel('caseIds') : fieldLabel(name, name === 'kind' ? 'supervision' : undefined))}
      restored={!!restored && !state}
    >
      <Row label={fieldLabel('kind', 'supervision')} name="kind" required error={e.kind}>
        <Select name="kind" value={v('kind')} required error={e.kind} options={SUPERVISION_KINDS.map((k) => [k, valueLabel('kind', k, 'supervision')])} />
      </Row>
      <Row label={fieldLabel('subject')} name="subject" required error={e.subject} wide hint={limitHint(textLimit(supervisionInputSchema.shape.subject))}>
        <Input name="subject" value={v('subject')} required error={e.subject} placeholder={UI.examples.subject} maxlength={textLimit(supervisionInputSchema.shape.subject)} />
      </Row>
      <Row label={fieldLabel('respondent')} name="respondent" required error={e.respondent}>
        <Input name="respondent" value={v('respondent')} required error={e.respondent} placeholder={UI.examples.respondent} maxlength={textLimit(supervisionInputSchema.shape.respondent)} />
      </Row>
      <Row label={fieldLabel('caseIds')} name="caseNumbers" error={e.caseNumbers} hint={UI.supervisions.casesHint} wide>
        <TextArea name="caseNumbers" value={v('caseNumbers')} rows={4} error={e.caseNumbers} />
      </Row>
    </NewEntityPage>,
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
  const again = (errors: FieldErrorMap, error: NewState['error'], status: ContentfulStatusCode) =>
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
  return formAction(
    async () => {
      const r = await createEntity(engineOf(deps, c), supervisionStore, ctx.actor, body, { idempotency: idempotencyOfForm(c, form, body), render: brief });
      return c.redirect(`/supervisions/${(r.body as { id: string }).id}?ok=created`, 303);
    },
    (r) => again(r.errors, r.error, r.status),
    (path) => (path.startsWith('caseIds') ? 'caseNumbers' : path.split('.')[0]),
  );
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

async function itemPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const id = c.req.param('id') ?? '';
  const item = await getSupervision(deps.db, actor, id, { now, warningDays: deps.warningDays });
  const [history, stations] = await Promise.all([supervisionHistory(deps.db, actor, id), listStations(deps.db)]);
  const names = {
    deputies: new Map<string, string>(),
    stations: new Map(stations.items.map((s) => [s.code, shownName(s)])),
    cases: new Map(item.cases.map((x) => [x.id, x.number])),
  };
  const x = item.context as ItemCtx;
  const ok = c.req.query('ok');
  const done = doneOf(ok);
  const flash = ok === 'created' ? UI.supervisions.created : null;
  const machine = machineDescription('supervision', MACHINE_LABELS.supervision);
  const items = history.items as HistoryItem[];
  return html(
    c,
    <EntityPage
      actor={actor}
      csrf={csrf}
      active="supervisions"
      flash={flash}
      base={`/supervisions/${item.id}`}
      entity={item}
      badges={
        <>
          <StateBadge state={item.state} supervision /> {item.ranOut ? <OverdueBadge /> : null}
        </>
      }
      back={{ href: '/supervisions', label: UI.nav.supervisions }}
      stateWords={
        <>
          <strong>{supervisionStateLabel(item.state)}</strong>：{SUPERVISION_STATE_DESCRIPTIONS[item.state] ?? ''}
        </>
      }
      sections={
        <Section title={UI.supervisions.cases}>
          <Table
            compact
            testid="linked-cases"
            rows={item.cases}
            empty={<p class="muted">{UI.supervisions.noCases}</p>}
            columns={[
              { label: UI.cases.number, head: true, class: 'nowrap', cell: (k) => <a href={`/cases/${k.id}`}>{k.number}</a> },
              {
                label: UI.cases.state,
                cell: (k) => (
                  <>
                    <StateBadge state={k.state} /> {k.overdue ? <OverdueBadge /> : null}
                    {k.outcome ? <small class="muted"> {outcomeLabel(k.outcome)}</small> : null}
                  </>
                ),
              },
              { label: UI.cases.disputeType, cell: (k) => k.disputeType },
              { label: UI.cases.station, cell: (k) => names.stations.get(k.stationCode) ?? k.stationCode },
            ]}
          />
        </Section>
      }
      timeline={{
        items,
        names,
        stateLabel: supervisionStateLabel,
        scope: 'supervision',
        done: done ? { type: done, message: item.state === 'closed' ? UI.event.doneClosedItem(eventLabel(done)) : UI.event.done(eventLabel(done)) } : undefined,
      }}
      deadlines={
        item.ranOut ? (
          <p class="notice" data-testid="ran-out">
            <DeadlineBadge dueAt={item.ranOut.dueAt} now={now} kind={item.ranOut.kind} level={item.ranOut.level} />
          </p>
        ) : (
          <DeadlineTable deadlines={item.deadlines} now={now} />
        )
      }
      facts={{
        title: UI.supervisions.basics,
        body: (
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
        ),
      }}
      diagram={{ machine, labelOf: supervisionStateLabel, describe: (s) => SUPERVISION_STATE_DESCRIPTIONS[s], developer: developerView((k) => c.req.query(k)) }}
    />,
  );
}

// ---------------------------------------------------------------------------------------------
// Events

const supervisionEvents: EventRoutes = {
  path: 'supervisions',
  store: supervisionStore,
  schemas: supervisionEventSchemas,
  read: (deps, _c, { actor, now }, id) => getSupervision(deps.db, actor, id, { now }),
  // `item` is what `read` returned: getSupervision's answer.
  async history(deps, _c, { actor }, item) {
    return {
      items: (await supervisionHistory(deps.db, actor, item.id)).items as HistoryItem[],
      names: { deputies: new Map<string, string>(), stations: new Map<string, string>(), cases: new Map((item as Item).cases.map((x) => [x.id, x.number])) },
      stateLabel: supervisionStateLabel,
      scope: 'supervision',
    };
  },
  // CLOSE ends the item from wherever it is taken (issue 15 §1): sent only with its box ticked.
  closing: new Set(alwaysClosingEvents(supervisionMachine)),
  notice: (_item, type) => (type === 'EVALUATE' ? UI.event.evaluateNote : undefined),
};

export function supervisionPages(app: Hono<WebEnv>, deps: AppDeps) {
  const readers = { may: 'supervision.read' } as const;
  app.get('/supervisions', page(deps, (c, ctx) => listPage(deps, c, ctx), readers));
  app.get('/supervisions/new', page(deps, (c, ctx) => newPage(deps, c, ctx), { may: 'supervision.create' }));
  app.post('/supervisions/new', page(deps, (c, ctx) => create(deps, c, ctx), { may: 'supervision.create' }));
  app.get('/supervisions/:id', page(deps, (c, ctx) => itemPage(deps, c, ctx), readers));
  eventPages(app, deps, supervisionEvents, readers);
}

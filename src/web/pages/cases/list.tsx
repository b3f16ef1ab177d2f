/** The case list: filters, the to-do list on the home page, one row per case. */
import type { AppDeps } from '../../../edge/context.js';
import { listCases, type CaseFilters } from '../../../engine/views.js';
import { OUTCOMES } from '../../../machines/case.js';
import { can, caseScope } from '../../../machines/policy.js';
import type { Actor } from '../../../machines/roles.js';
import { formatDate } from '../../../format.js';
import { outcomeLabel, stateLabel } from '../../../labels.js';
import { UI } from '../../../words.js';
import { DeadlineCell, FilterSelect, OverdueMark, seesCalendarGaps, StateBadge } from '../../components.js';
import { type Names } from '../../journal.js';
import { TodoSection, todoOf } from '../legal-time.js';
import { Layout } from '../../layout.js';
import { Table } from '../../table.js';
import { html, pageAt, type PageCtx, type WebContext } from '../../page.js';
import { DownloadLinks, filtersQuery } from '../../downloads.js';
import { shownName } from '../../choices.js';
import { namesOf, type CaseItem } from './shared.js';

const listTitle = (actor: Actor, overdue: boolean) =>
  overdue ? UI.cases.overdueTitle : actor.role === 'deputy' ? UI.cases.myTitle : actor.role === 'station' ? UI.cases.stationTitle : UI.cases.listTitle;

/** Cases, a row each (the case list; `brief` on the dashboard: without parties and date). */
export function CaseTable(p: { items: CaseItem[]; names: Pick<Names, 'stations'>; now: Date; showStation: boolean; brief?: boolean; testid?: string; calendarGaps?: boolean }) {
  return (
    <Table
      class={p.brief ? undefined : 'cases'}
      compact={p.brief}
      testid={p.testid ?? 'case-list'}
      rows={p.items}
      rowAttrs={(c) => ({ class: c.ranOut ? 'is-overdue' : undefined, 'data-case': c.number })}
      columns={[
        { label: UI.cases.number, head: true, class: 'nowrap', cell: (c) => <a href={`/cases/${c.id}`}>{c.number}</a> },
        {
          label: UI.cases.state,
          cell: (c) => (
            <>
              <StateBadge state={c.state} /> <OverdueMark overdue={c.overdue} ranOut={c.ranOut} state={c.state} />
              {c.outcome ? <small class="muted"> {outcomeLabel(c.outcome)}</small> : null}
            </>
          ),
        },
        { label: UI.cases.disputeType, cell: (c) => c.disputeType },
        !p.brief && { label: UI.cases.parties, cell: (c) => c.parties.map((x) => x.name).join('、') },
        p.showStation && { label: UI.cases.station, cell: (c) => p.names.stations.get(c.stationCode) ?? c.stationCode },
        !p.brief && { label: UI.cases.openedAt, class: 'nowrap', cell: (c) => formatDate(c.openedAt) },
        {
          label: UI.cases.deadline,
          // Which deadline ran out and by how many days, before any still running.
          cell: (c) => <DeadlineCell deadlines={c.deadlines} ranOut={c.ranOut} now={p.now} calendarGaps={p.calendarGaps} />,
        },
      ]}
    />
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

const OVERDUE_OPTIONS: [string, string][] = [
  ['true', UI.cases.overdueOnly],
  ['false', UI.cases.notOverdue],
];

/** `dueWithinDays`: a deadline whose last day is at most this many days away (0: today or run out). */
const DUE_OPTIONS: [string, string][] = [0, 3, 5, 7, 30].map((d) => [String(d), UI.cases.dueWithin(d)]);

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

export async function listPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const { filters, raw } = listQueryOf(c);
  // The to-do list (DESIGN §11) heads the first page of the unfiltered list: the home page of court, station and deputy.
  const isHome = () => Object.keys(raw).length === 0 && actor.role !== 'admin' && actor.role !== 'committee';
  const [names, listed, todoFirst] = await Promise.all([
    namesOf(deps, actor),
    pageAt(filters.cursor, (cursor) => listCases(deps.db, actor, { ...filters, cursor }, { now, requestId: c.get('requestId'), warningDays: deps.warningDays })),
    isHome() ? todoOf(deps, { actor, csrf, now }) : Promise.resolve(null),
  ]);
  const result = listed.page;
  if (listed.reset) delete raw.cursor;
  // An unreadable paging link on the home page leads to the home page, to-do list included.
  const todo = todoFirst ?? (listed.reset && isHome() ? await todoOf(deps, { actor, csrf, now }) : null);
  // A case number typed into the search box goes straight to the case (issue 15 §4).
  const typed = filters.q?.replace(/\s+/g, '').toUpperCase();
  const hit = typed && /^\d{4}-[A-Z0-9_-]+-\d{6}$/.test(typed) ? result.items.filter((i) => i.number.toUpperCase() === typed) : [];
  if (hit.length === 1) return c.redirect(`/cases/${hit[0].id}`, 303);
  const scope = caseScope(actor).kind;
  const showStation = scope !== 'station';
  const overdueView = filters.overdue === true;
  const title = listTitle(actor, overdueView);
  const nextQs = new URLSearchParams({ ...raw, cursor: result.nextCursor ?? '' });
  const firstQs = new URLSearchParams(Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'cursor')));
  return html(
    c,
    <Layout title={title} actor={actor} csrf={csrf} active={overdueView ? 'overdue' : 'cases'} note={listed.reset ? UI.common.pageLinkExpired : null} wide>
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
        <FilterSelect label={UI.cases.state} name="state" value={filters.state} options={STATE_FILTERS.map((s) => [s, s.includes('.') || s === 'closed' ? stateLabel(s) : `${stateLabel(s)}${UI.charts.allStates}`])} />
        {scope === 'all' ? (
          <FilterSelect label={UI.cases.station} name="stationCode" value={filters.stationCode} options={names.stationList.map((s) => [s.code, shownName(s)])} />
        ) : null}
        <FilterSelect label={UI.cases.overdueFilter} name="overdue" value={raw.overdue} options={OVERDUE_OPTIONS} />
        <FilterSelect label={UI.cases.outcome} name="outcome" value={filters.outcome} options={OUTCOMES.map((o) => [o, outcomeLabel(o)])} />
        <FilterSelect label={UI.cases.deadline} name="dueWithinDays" value={raw.dueWithinDays} options={DUE_OPTIONS} />
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
        <CaseTable items={result.items} names={names} now={now} showStation={showStation} calendarGaps={seesCalendarGaps(actor)} />
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

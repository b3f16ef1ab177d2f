/**
 * The committee's dashboard: the enforcement report (src/engine/reports.ts) as figures and
 * ECharts charts (served from this process), the overdue cases, the supervision list, and the
 * same CSV as `GET /api/reports/enforcement?format=csv` for the signed-in user.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { listStations } from '../../engine/directory.js';
import { enforcementReport, parseReportQuery, type EnforcementReport } from '../../engine/reports.js';
import { reportTable } from '../../edge/exports.js';
import { tableResponse } from '../../edge/tabular.js';
import { listSupervisions } from '../../engine/supervision-views.js';
import { listCases } from '../../engine/views.js';
import { ValidationError } from '../../engine/errors.js';
import { formatDate, formatDateTime, formatYuan } from '../../format.js';
import {
  fieldLabel,
  OUTCOME_LABELS,
  RATING_LABELS,
  REPORT_FIGURE_LABELS,
  SOURCE_LABELS,
  supervisionStateLabel,
  valueLabel,
} from '../../labels.js';
import { UI } from '../../words.js';
import { sayField, WORDS } from '../wording.js';
import { CaseTable } from './cases/list.js';
import { Table } from '../table.js';
import { DeadlineBadge, ErrorBox, FilterSelect, OverdueBadge, Section, Select, StateBadge } from '../components.js';
import type { WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { html, page, type PageCtx, type WebContext } from '../page.js';
import { TodoSection, todoOf } from './legal-time.js';

const pct = (rate: string | null) => (rate === null ? '—' : `${(Number(rate) * 100).toFixed(1)}%`);

function Kpi(p: { label: string; value: string | number; note?: string; tone?: 'warn' }) {
  return (
    <div class={`kpi${p.tone ? ` kpi-${p.tone}` : ''}`}>
      <span class="kpi-label">{p.label}</span>
      <strong class="kpi-value">{String(p.value)}</strong>
      {p.note ? <small>{p.note}</small> : null}
    </div>
  );
}

/** A pie of counts by key, each slice named in words; empty slices left out. */
const pie = (title: string, counts: Record<string, number>, name: (key: string) => string) => ({
  title,
  type: 'pie',
  items: Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => ({ name: name(k), value: n })),
});

/** The charts' data, labelled here (one labels module) so the script only draws. */
function chartData(r: EnforcementReport) {
  const F = REPORT_FIGURE_LABELS;
  const types = Object.entries(r.cases.byDisputeType).slice(0, 10);
  return {
    noData: UI.dashboard.noData,
    bySource: pie(F['cases.bySource'], r.cases.bySource, (k) => SOURCE_LABELS[k] ?? k),
    byDisputeType: { title: F['cases.byDisputeType'], type: 'bar', categories: types.map(([k]) => k), series: [{ name: F['cases.opened'], data: types.map(([, n]) => n) }] },
    rates: {
      title: UI.charts.rates,
      type: 'rate',
      categories: [F['mediation.successRate'], F['performance.voluntaryRate'], F['enforcement.recoveryRate']].map((s) => s.replace('（比率）', '')),
      series: [{ name: '%', data: [r.mediation.successRate, r.performance.voluntaryRate, r.enforcement.recoveryRate].map((x) => (x === null ? null : Math.round(Number(x) * 1000) / 10)) }],
    },
    outcomes: {
      // Closed and still running: the title names both, as the legend does.
      title: WORDS.dashboard.outcomesTitle,
      type: 'pie',
      items: [
        ...Object.entries(r.enforcement.outcomes).map(([k, n]) => ({ name: OUTCOME_LABELS[k] ?? k, value: n })),
        { name: F['enforcement.inProgress'], value: r.enforcement.inProgress },
      ].filter((x) => x.value > 0),
    },
    amounts: {
      title: UI.charts.amounts,
      type: 'bar',
      categories: [F['enforcement.owedAmount'].replace('（元）', ''), F['enforcement.recoveredAmount'].replace('（元）', '')],
      series: [{ name: UI.charts.yuan, data: [Number(r.enforcement.owedAmount), Number(r.enforcement.recoveredAmount)] }],
    },
    stations: {
      title: UI.charts.stations,
      type: 'bar',
      categories: r.stations.map((s) => s.name.replace('人大代表联络站', '')),
      series: (['casesOpened', 'activities', 'deputyVisits', 'votersReceived'] as const).map((k) => ({ name: F[`stations.${k}`], data: r.stations.map((s) => s[k]) })),
    },
    supervision: r.supervision ? pie(F['supervision.byState'], r.supervision.byState, supervisionStateLabel) : null,
    ratings: r.supervision ? pie(F['supervision.byRating'], r.supervision.byRating, (k) => RATING_LABELS[k] ?? F['supervision.unrated']) : null,
  };
}

function Chart(p: { id: string; title: string }) {
  return (
    <figure class="chart-box">
      <figcaption>{p.title}</figcaption>
      <div class="chart" data-chart={p.id} role="img" aria-label={p.title}></div>
    </figure>
  );
}

const QUERY_KEYS = ['from', 'to', 'district', 'stationCode'] as const;

/** The filters by the words of the form, for its refusals (never the query's own names). */
const FILTER_LABELS: Record<string, string> = { from: UI.dashboard.from, to: UI.dashboard.to, district: UI.dashboard.district, stationCode: UI.dashboard.station };

function queryOf(c: WebContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of QUERY_KEYS) {
    const v = (c.req.query(k) ?? '').trim();
    if (v) out[k] = v;
  }
  return out;
}

async function dashboard(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const raw = queryOf(c);
  let report: EnforcementReport | null = null;
  let problem: string | null = null;
  let scope: ReturnType<typeof parseReportQuery> | null = null;
  try {
    scope = parseReportQuery(raw);
    report = await enforcementReport(deps.db, actor, scope, { now });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    scope = null;
    problem = err.errors.map((e) => `${FILTER_LABELS[e.field] ?? fieldLabel(e.field)}：${sayField(e)}`).join('；');
  }
  // The overdue list obeys the same filters as the figures above it (issue 15 §3); none while they are invalid.
  const overdueFilters = scope ? { district: scope.district, stationCode: scope.stationCode, from: scope.from, to: scope.to } : null;
  const [stations, overdue, supervisions, todo] = await Promise.all([
    listStations(deps.db),
    overdueFilters
      ? listCases(deps.db, actor, { overdue: true, limit: 20, ...overdueFilters }, { now, requestId: c.get('requestId'), warningDays: deps.warningDays })
      : Promise.resolve({ items: [], nextCursor: null }),
    listSupervisions(deps.db, actor, { limit: 10 }, { now, warningDays: deps.warningDays }),
    // The committee's home page: its to-do list (DESIGN §11) comes first.
    actor.role === 'committee' ? todoOf(deps, { actor, csrf, now }) : Promise.resolve(null),
  ]);
  const districts = [...new Set(stations.items.map((s) => s.district))].sort();
  const F = REPORT_FIGURE_LABELS;
  const data = report ? chartData(report) : null;
  const csvHref = `/dashboard/enforcement.csv${Object.keys(raw).length ? `?${new URLSearchParams(raw)}` : ''}`;
  return html(
    c,
    <Layout title={UI.dashboard.title} actor={actor} csrf={csrf} active="dashboard" scripts={['/static/echarts.min.js', '/static/dashboard.js']} wide>
      <div class="page-head">
        <h1>{UI.dashboard.title}</h1>
        <a class="button" href={csvHref} data-testid="csv">
          {UI.dashboard.csv}
        </a>
      </div>
      {todo ? <TodoSection items={todo} now={now} /> : null}
      <form method="get" action="/dashboard" class="filters">
        <label>
          {UI.dashboard.from}
          <input type="date" name="from" value={raw.from ?? ''} />
        </label>
        <label>
          {UI.dashboard.to}
          <input type="date" name="to" value={raw.to ?? ''} />
        </label>
        <FilterSelect label={UI.dashboard.district} name="district" value={raw.district} options={districts.map((d) => [d, d])} />
        <FilterSelect label={UI.dashboard.station} name="stationCode" value={raw.stationCode} options={stations.items.map((s) => [s.code, s.name])} />
        <div class="filter-actions">
          <button type="submit">{UI.common.search}</button>
          <a href="/dashboard">{UI.common.reset}</a>
        </div>
      </form>
      {problem ? <ErrorBox title={UI.common.errorsAbove} detail={problem} /> : null}
      {report && data ? (
        <>
          <p class="hint">
            {UI.dashboard.intro} {F['filters.generatedAt']}：{formatDateTime(report.generatedAt)}
          </p>
          <div class="kpis" data-testid="kpis">
            <Kpi label={F['cases.opened']} value={report.cases.opened} />
            <Kpi label={F['mediation.successRate'].replace('（比率）', '')} value={pct(report.mediation.successRate)} note={`${report.mediation.agreements} / ${report.mediation.ended}`} />
            <Kpi label={F['deputies.deputyAttendances']} value={report.deputies.deputyAttendances} note={`${F['deputies.sessionsHeld']} ${report.deputies.sessionsHeld}`} />
            <Kpi label={F['performance.voluntaryRate'].replace('（比率）', '')} value={pct(report.performance.voluntaryRate)} note={`${report.performance.performedVoluntarily} / ${report.performance.settled}`} />
            <Kpi label={F['enforcement.sent']} value={report.enforcement.sent} />
            <Kpi label={F['enforcement.recoveryRate'].replace('（比率）', '')} value={pct(report.enforcement.recoveryRate)} note={`${formatYuan(report.enforcement.recoveredAmount)} / ${formatYuan(report.enforcement.owedAmount)}`} />
            <Kpi label={F['enforcement.overLimit']} value={report.enforcement.overLimit} note={`${F['enforcement.overLimitOpen']} ${report.enforcement.overLimitOpen}`} tone={report.enforcement.overLimitOpen ? 'warn' : undefined} />
            {report.supervision ? (
              <Kpi label={F['supervision.overdueNow']} value={report.supervision.overdueNow} note={`${F['supervision.items']} ${report.supervision.items}`} tone={report.supervision.overdueNow ? 'warn' : undefined} />
            ) : null}
          </div>
          <div class="charts">
            <Chart id="bySource" title={data.bySource.title} />
            <Chart id="byDisputeType" title={data.byDisputeType.title} />
            <Chart id="rates" title={data.rates.title} />
            <Chart id="outcomes" title={data.outcomes.title} />
            <Chart id="amounts" title={data.amounts.title} />
            {data.supervision ? <Chart id="supervision" title={data.supervision.title} /> : null}
            {data.ratings ? <Chart id="ratings" title={data.ratings.title} /> : null}
            <Chart id="stations" title={data.stations.title} />
          </div>
          <script type="application/json" id="report-data" dangerouslySetInnerHTML={{ __html: JSON.stringify(data).replace(/</g, '\\u003c') }}></script>
          <Section title={data.stations.title}>
            <Table
              compact
              testid="station-figures"
              rows={[...report.stations, { ...report.stationTotals, name: F.stationTotals, total: true }]}
              rowAttrs={(s) => ({ class: 'total' in s ? 'total' : undefined })}
              columns={[
                { label: UI.cases.station, head: true, cell: (s) => s.name },
                { label: F['stations.casesOpened'], cell: (s) => s.casesOpened },
                { label: F['stations.activities'], cell: (s) => s.activities },
                { label: F['stations.deputyVisits'], cell: (s) => s.deputyVisits },
                { label: F['stations.votersReceived'], cell: (s) => s.votersReceived },
              ]}
            />
          </Section>
        </>
      ) : null}
      <div class="columns">
        <div class="col-main">
          <Section
            title={UI.dashboard.overdueCases}
            actions={<a href={`/cases?${new URLSearchParams({ overdue: 'true', ...(raw.stationCode ? { stationCode: raw.stationCode } : {}) })}`}>{UI.common.details}</a>}
          >
            {Object.keys(raw).length ? <p class="hint">{WORDS.dashboard.overdueFiltered}</p> : null}
            {overdue.items.length ? (
              <CaseTable brief testid="overdue-cases" items={overdue.items} names={{ stations: new Map(stations.items.map((s) => [s.code, s.name])) }} now={now} showStation />
            ) : (
              <p class="muted">{UI.cases.none}</p>
            )}
          </Section>
        </div>
        <div class="col-side">
          <Section title={UI.dashboard.supervision} actions={<a href="/supervisions">{UI.common.details}</a>}>
            {supervisions.items.length ? (
              <ul class="plain list" data-testid="supervisions">
                {supervisions.items.map((s) => (
                  <li>
                    <a href={`/supervisions/${s.id}`}>{s.subject}</a> <StateBadge state={s.state} supervision /> {s.ranOut ? <OverdueBadge /> : null}
                    {s.ranOut ? (
                      <>
                        {' '}
                        <DeadlineBadge dueAt={s.ranOut.dueAt} now={now} kind={s.ranOut.kind} level={s.ranOut.level} />
                      </>
                    ) : null}
                    <small class="muted">
                      {' '}
                      {valueLabel('kind', s.kind, 'supervision')} · {formatDate(s.openedAt)}
                    </small>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">{UI.supervisions.none}</p>
            )}
          </Section>
        </div>
      </div>
    </Layout>,
  );
}

/** The CSV of `GET /api/reports/enforcement?format=csv`, for the session's user (the API takes bearer tokens only). */
async function csv(deps: AppDeps, c: WebContext, { actor, now }: PageCtx) {
  const q = parseReportQuery({ ...queryOf(c), format: 'csv' });
  const report = await enforcementReport(deps.db, actor, q, { now });
  return tableResponse(reportTable(report), 'csv', { asciiName: 'enforcement-report', now });
}

export function dashboardPages(app: Hono<WebEnv>, deps: AppDeps) {
  const roles = { may: 'report.network' } as const;
  app.get('/dashboard', page(deps, (c, ctx) => dashboard(deps, c, ctx), roles));
  app.get('/dashboard/enforcement.csv', page(deps, (c, ctx) => csv(deps, c, ctx), roles));
}

/** The case page: state in words, actions, parties, timeline, deadlines, facts and diagram. */
import type { AppDeps } from '../../../edge/context.js';
import { caseDiagram, machineDescription } from '../../../engine/machines.js';
import { caseHistory, getCase } from '../../../engine/views.js';
import { seesPersonalData } from '../../../machines/policy.js';
import { deadlineText, formatDate, formatDateTime, formatYuan } from '../../../format.js';
import {
  DEADLINE_LABELS,
  eventLabel,
  fieldLabel,
  MACHINE_LABELS,
  outcomeLabel,
  STATE_DESCRIPTIONS,
  stateLabel,
  valueLabel,
} from '../../../labels.js';
import { UI } from '../../../words.js';
import { DeadlineBadge, Facts, Money, OverdueMark, Section, seesCalendarGaps, StateBadge } from '../../components.js';
import { developerView } from '../../diagram.js';
import { doneOf, EntityPage } from '../../entity-page.js';
import { type HistoryItem, type Names } from '../../journal.js';
import { Table } from '../../table.js';
import { DeadlineTable } from '../../deadlines.js';
import { html, type PageCtx, type WebContext } from '../../page.js';
import { namesOf, type CaseCtx, type CaseView } from './shared.js';
import { submissionOrigins } from '../../../engine/submissions.js';

function Parties(p: { view: CaseView }) {
  return (
    <Table
      compact
      testid="parties"
      rows={p.view.parties}
      columns={[
        { label: fieldLabel('role'), class: 'nowrap', cell: (x) => valueLabel('role', x.role, 'party') },
        { label: fieldLabel('name'), head: true, cell: (x) => x.name },
        { label: fieldLabel('idNumber'), class: 'mono nowrap', cell: (x) => x.idNumber ?? '—' },
        { label: fieldLabel('phone'), class: 'mono nowrap', cell: (x) => x.phone ?? '—' },
      ]}
    />
  );
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
          x.agreement?.installments ? x.agreement.installments.map((i) => `${formatDate(i.dueDate)} ${formatYuan(i.amount)}`).join('；') : null,
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

/** A case closed after running over (超期结案): which deadline, and by how many days at closing. */
function closedOver(v: CaseView): { kind: string; dueAt: string; closedAt: string } | null {
  const x = v.context as CaseCtx & { enforcementDueAt?: string | null; defaultedAt?: string | null };
  if (!v.overdue || v.state !== 'closed' || !v.closedAt) return null;
  if (x.enforcementDueAt) return { kind: 'enforcement_limit', dueAt: x.enforcementDueAt, closedAt: v.closedAt };
  // Performance ran out when the sweeper marked it (PERFORMANCE_OVERDUE at the due instant).
  if (x.defaultedAt) return { kind: 'performance', dueAt: x.defaultedAt, closedAt: v.closedAt };
  return null;
}

function Deadlines(p: { view: CaseView; now: Date; calendarGaps: boolean }) {
  const ranOut = p.view.ranOut;
  const over = closedOver(p.view);
  // The deadline that ran out first (which one, by how many days), then those still running.
  const head = ranOut ? (
    <p class="notice" data-testid="ran-out">
      <DeadlineBadge dueAt={ranOut.dueAt} now={p.now} kind={ranOut.kind} level={ranOut.level} />
    </p>
  ) : over ? (
    <p class="notice" data-testid="ran-out">
      {UI.cases.closedOverdueNote(DEADLINE_LABELS[over.kind] ?? over.kind, deadlineText(over.dueAt, p.now).lastDay, Math.max(1, -deadlineText(over.dueAt, new Date(over.closedAt)).daysLeft))}
    </p>
  ) : null;
  if (!p.view.deadlines.length) return head ?? <p class="muted">{UI.cases.noDeadlines}</p>;
  return (
    <>
      {head}
      <DeadlineTable deadlines={p.view.deadlines} now={p.now} testid="deadlines" calendarGaps={p.calendarGaps} />
    </>
  );
}

export async function casePage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx) {
  const id = c.req.param('id') ?? '';
  const opts = { now, requestId: c.get('requestId'), warningDays: deps.warningDays };
  const view = await getCase(deps.db, actor, id, opts);
  const [history, names, diagram] = await Promise.all([caseHistory(deps.db, actor, id, opts), namesOf(deps, actor), caseDiagram(deps.db, actor, id, MACHINE_LABELS.case)]);
  const machine = { ...machineDescription('case', MACHINE_LABELS.case), mermaid: diagram.mermaid };
  const ok = c.req.query('ok');
  const done = doneOf(ok);
  const flash = ok === 'created' ? UI.cases.created : null;
  const items = history.items as HistoryItem[];
  // A case opened from a citizen's submission names it in its creation: its time, not its id.
  const fromSubmission = items.flatMap((e) => (e.type === 'CREATE' && typeof (e.payload as { submissionId?: unknown })?.submissionId === 'string' ? [(e.payload as { submissionId: string }).submissionId] : []));
  if (fromSubmission.length) names.submissions = await submissionOrigins(deps.db, actor, fromSubmission);
  // Said plainly when the action just taken closed the case (issue 15 §1).
  const doneMessage = done
    ? view.state === 'closed' && view.outcome
      ? UI.event.doneClosed(eventLabel(done), outcomeLabel(view.outcome))
      : UI.event.done(eventLabel(done))
    : '';
  return html(
    c,
    <EntityPage
      actor={actor}
      csrf={csrf}
      active="cases"
      flash={flash}
      base={`/cases/${view.id}`}
      entity={view}
      badges={
        <>
          <StateBadge state={view.state} /> <OverdueMark overdue={view.overdue} ranOut={view.ranOut} state={view.state} />
        </>
      }
      back={{ href: '/cases', label: UI.nav.cases }}
      stateWords={
        <>
          <strong>{stateLabel(view.state)}</strong>：{STATE_DESCRIPTIONS[view.state] ?? ''}
          {view.outcome ? ` ${UI.cases.outcome}：${outcomeLabel(view.outcome)}。` : ''}
        </>
      }
      sections={
        <Section title={UI.cases.parties} id="parties">
          <Parties view={view} />
          {seesPersonalData(actor, view.stationCode) ? null : <p class="hint">{UI.cases.piiNote}</p>}
        </Section>
      }
      timeline={{ items, names, stateLabel, done: done ? { type: done, message: doneMessage } : undefined }}
      deadlines={<Deadlines view={view} now={now} calendarGaps={seesCalendarGaps(actor)} />}
      facts={{ title: UI.cases.basics, body: <CaseFacts view={view} names={names} /> }}
      diagram={{ machine, labelOf: stateLabel, describe: (s) => STATE_DESCRIPTIONS[s], developer: developerView((k) => c.req.query(k)) }}
      ids={{ state: 'state', deadlines: 'deadlines', facts: 'facts' }}
    />,
  );
}

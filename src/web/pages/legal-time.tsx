/**
 * Legal time on the web (DESIGN §11): the to-do list (on each role's home page and at /todo) and
 * the admin's statutory calendar page, where each year's State Council notice is entered.
 */
import type { Hono } from 'hono';
import { requestMeta, type AppDeps } from '../../edge/context.js';
import { calendarCoverage, calendarYear, replaceCalendarYear } from '../../engine/legal-time.js';
import { myTodo, type TodoItem } from '../../engine/todo.js';
import { ValidationError } from '../../engine/errors.js';
import { formatDateTime } from '../../format.js';
import { LEVEL_LABELS, LEVEL_TONES, TODO_KIND_LABELS } from '../../labels.js';
import { CALENDAR_UI, ERROR_TITLES, TODO_UI, todoTitle } from '../../words.js';
import { sayField } from '../wording.js';
import { Csrf, ErrorBox, RestoredNotice, Row, Section, TextArea } from '../components.js';
import { engineOf } from '../engine-call.js';
import { one, restoredDraft, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { describeError, flashOf, html, page, type PageCtx, type WebContext } from '../page.js';

/** Where an item's action is: one click from the list. */
function hrefOf(item: TodoItem): string {
  if (item.entity.type === 'calendar') return `/admin/calendar?year=${item.entity.id}`;
  if (item.entity.type === 'supervision') {
    const event = { evaluation: 'EVALUATE', report_due: 'SUBMIT_REPORT', rectification_due: 'SUBMIT_RECTIFICATION' }[item.kind as string];
    return `/supervisions/${item.entity.id}${event ? `/events/${event}` : ''}`;
  }
  const event = { screening: 'ACCEPT', assignment: 'ASSIGN', confirmation: 'CONFIRM' }[item.kind as string];
  return event ? `/cases/${item.entity.id}/events/${event}` : `/cases/${item.entity.id}`;
}

/** The to-do list, most urgent first; each item's level as colour and words. */
export function TodoSection(p: { items: TodoItem[]; now: Date }) {
  return (
    <Section title={TODO_UI.title} id="todo">
      {p.items.length ? (
        <ul class="todo" data-testid="todo">
          {p.items.map((i) => (
            <li data-kind={i.kind} data-level={i.level}>
              {/* A level names how near a deadline is; a missing calendar year has none: its badge says what to do. */}
              <span class={`badge due due-${LEVEL_TONES[i.level]}`}>{i.level === 'normal' || i.kind === 'calendar_missing' ? TODO_KIND_LABELS[i.kind] : LEVEL_LABELS[i.level]}</span>{' '}
              <a href={hrefOf(i)}>
                {i.entity.type === 'calendar' ? '' : `${i.entity.number} · `}
                {todoTitle(i)}
              </a>
              {i.dueAt && i.kind === 'session' ? <small class="muted"> {formatDateTime(i.dueAt)}</small> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{TODO_UI.none}</p>
      )}
    </Section>
  );
}

export async function todoOf(deps: AppDeps, ctx: PageCtx) {
  return (await myTodo(deps.db, ctx.actor, { now: ctx.now, warningDays: deps.warningDays })).items;
}

// ---------------------------------------------------------------------------------------------
// The admin's calendar page

interface CalendarForm {
  year: string;
  text: string;
  error?: { title: string; detail: string; fields?: { name: string; label: string; message: string }[] } | null;
  /** Handed back after signing in again (issue 15 §6). */
  restored?: boolean;
}

/** `2027-01-01 休 元旦` per line → `{date, kind, name}`; a line that does not parse is a field error. */
function parseDays(text: string): { days: { date: string; kind: string; name: string }[]; errors: string[] } {
  const days: { date: string; kind: string; name: string }[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\d{4}-\d{2}-\d{2})\s+(休|班|holiday|workday)\s+(.+)$/.exec(line);
    if (!m) return void errors.push(CALENDAR_UI.lineError(i + 1, line.slice(0, 40)));
    days.push({ date: m[1], kind: m[2] === '休' || m[2] === 'holiday' ? 'holiday' : 'workday', name: m[3].trim() });
  });
  return { days, errors };
}

const daysText = (days: { date: string; kind: string; name: string }[]) =>
  days.map((d) => `${d.date} ${d.kind === 'holiday' ? CALENDAR_UI.holiday : CALENDAR_UI.workday} ${d.name}`).join('\n');

async function calendarPage(deps: AppDeps, c: WebContext, ctx: PageCtx, form?: CalendarForm, status: 200 | 400 | 403 = 200) {
  const coverage = await calendarCoverage(deps.db, ctx.now);
  const thisYear = Number(new Date(ctx.now.getTime() + 8 * 3_600_000).toISOString().slice(0, 4));
  const asked = Number(c.req.query('year'));
  const year = form ? Number(form.year) || thisYear + 1 : Number.isInteger(asked) && asked >= 1949 && asked <= 2200 ? asked : (coverage.missing[0] ?? thisYear + 1);
  const current = await calendarYear(deps.db, year);
  const text = form?.text ?? daysText(current.days);
  const flash = flashOf(c, { saved: CALENDAR_UI.saved(Number(c.req.query('moved') ?? 0)) });
  return html(
    c,
    <Layout title={CALENDAR_UI.title} actor={ctx.actor} csrf={ctx.csrf} active="calendar" flash={flash}>
      <h1>{CALENDAR_UI.title}</h1>
      <p class="hint">{CALENDAR_UI.intro}</p>
      {coverage.missing.length ? (
        <p class="notice warn" data-testid="calendar-missing">
          {CALENDAR_UI.missing(coverage.missing.join('、'))}
        </p>
      ) : (
        <p class="muted" data-testid="calendar-complete">
          {CALENDAR_UI.none}
        </p>
      )}
      <Section title={`${CALENDAR_UI.edit}：${year}`} id="edit">
        {form?.restored ? <RestoredNotice /> : null}
        {form?.error ? <ErrorBox title={form.error.title} detail={form.error.detail} fields={form.error.fields} /> : null}
        <form method="post" action="/admin/calendar">
          <Csrf token={ctx.csrf} />
          <Row label={CALENDAR_UI.year} name="year" required>
            <input name="year" type="number" min="1949" max="2200" value={String(year)} required />
          </Row>
          <Row label={CALENDAR_UI.days} name="days" required hint={CALENDAR_UI.editHint} wide>
            <TextArea name="days" value={text} rows={16} required />
          </Row>
          <button type="submit" class="primary">
            {CALENDAR_UI.save}
          </button>
        </form>
      </Section>
      <Section title={CALENDAR_UI.years} id="years">
        <table class="table compact" data-testid="calendar-years">
          <thead>
            <tr>
              <th>{CALENDAR_UI.year}</th>
              <th>{CALENDAR_UI.source}</th>
              <th>{CALENDAR_UI.updatedAt}</th>
            </tr>
          </thead>
          <tbody>
            {[...coverage.years].reverse().map((y) => (
              <tr>
                <td>
                  <a href={`/admin/calendar?year=${y.year}`}>{y.year}</a>
                </td>
                <td>{y.source === 'admin' ? CALENDAR_UI.sourceAdmin : y.source}</td>
                <td class="nowrap">{formatDateTime(y.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </Layout>,
    status,
  );
}

export function legalTimePages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get(
    '/todo',
    page(deps, async (c, ctx) =>
      html(
        c,
        <Layout title={TODO_UI.title} actor={ctx.actor} csrf={ctx.csrf} active="todo">
          <h1>{TODO_UI.title}</h1>
          <TodoSection items={await todoOf(deps, ctx)} now={ctx.now} />
        </Layout>,
      ),
    ),
  );
  app.get(
    '/admin/calendar',
    page(
      deps,
      (c, ctx) => {
        // Handed back after signing in again: the year and the days as they were typed.
        const draft = restoredDraft(c);
        return calendarPage(deps, c, ctx, draft ? { year: one(draft, 'year'), text: one(draft, 'days'), restored: true } : undefined);
      },
      { may: 'calendar.manage' },
    ),
  );
  app.post(
    '/admin/calendar',
    page(
      deps,
      async (c, ctx) => {
        const form = c.get('form');
        const state: CalendarForm = { year: one(form, 'year'), text: one(form, 'days') };
        const parsed = parseDays(state.text);
        if (parsed.errors.length) {
          return calendarPage(deps, c, ctx, { ...state, error: { title: ERROR_TITLES.validation, detail: parsed.errors.join('；') } }, 400);
        }
        try {
          const change = await replaceCalendarYear(engineOf(deps, c), ctx.actor, state.year, { days: parsed.days }, requestMeta(c));
          return c.redirect(`/admin/calendar?year=${change.year}&ok=saved&moved=${change.moved.length}`, 303);
        } catch (err) {
          if (err instanceof ValidationError) {
            const lines = err.errors.map((e) => {
              const m = /^days\.(\d+)/.exec(e.field);
              const d = m ? parsed.days[Number(m[1])] : undefined;
              return `${d ? `${d.date}：` : e.field === 'year' ? `${CALENDAR_UI.year}：` : ''}${sayField(e)}`;
            });
            return calendarPage(deps, c, ctx, { ...state, error: { title: ERROR_TITLES.validation, detail: lines.join('；') } }, 400);
          }
          const d = describeError(err);
          if (!d) throw err;
          return calendarPage(deps, c, ctx, { ...state, error: { title: ERROR_TITLES[d.code] ?? d.code, detail: d.detail } }, d.status as 403);
        }
      },
      { may: 'calendar.manage' },
    ),
  );
}

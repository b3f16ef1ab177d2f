/**
 * The event page of either machine (a case's or a supervision item's): the state it is in, and
 * the event's form when the user may send it now, or why not. One page for both: only the words
 * of the state and the choices of the form differ.
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AppDeps } from '../edge/context.js';
import { applyEvent } from '../engine/apply.js';
import { DomainError, fieldErrors, VersionConflict } from '../engine/errors.js';
import type { EntityStore } from '../engine/stores.js';
import type { Action } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import { SUPERVISION_STATE_DESCRIPTIONS, STATE_DESCRIPTIONS, eventLabel } from '../labels.js';
import { ERROR_TITLES, UI } from '../words.js';
import { sayField } from './wording.js';
import { ErrorBox, StateBadge } from './components.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, restoredFormState, versionOfForm, type EventFormState } from './engine-call.js';
import { formAction } from './form-action.js';
import { fieldsOf, inputOf, installmentRows, payloadOf, type FormField } from './forms.js';
import { one, type FormBody, type WebEnv } from './http.js';
import { ADD_ROW, EventForm, formValues, SUM_ROWS, Timeline, type EventFormProps, type HistoryItem, type Names } from './journal.js';
import { Layout } from './layout.js';
import { html, page, type PageCtx, type WebContext } from './page.js';

export interface EventPageProps {
  actor: Actor;
  csrf: string;
  /** `cases` or `supervisions`: the path and the navigation entry. */
  path: 'cases' | 'supervisions';
  entity: {
    id: string;
    number: string;
    state: string;
    version: number;
    nextEvents: string[];
    backdatableEvents?: string[];
    closingEvents?: string[];
    mayCloseEvents?: string[];
  };
  type: string;
  fields: FormField[];
  state: EventFormState;
  deputyChoices?: EventFormProps['deputyChoices'];
  fixed?: EventFormProps['fixed'];
  /** What others recorded since the form was opened (a stale form, `state.changedSince`). */
  changes?: { items: HistoryItem[]; names: Names; stateLabel: (s: string) => string; scope?: string };
  /** A line above the fields: what is still owed, what a rating does. */
  notice?: string;
}

export function EventPage(p: EventPageProps) {
  const { entity: e, state: st } = p;
  const base = `/${p.path}/${e.id}`;
  const supervision = p.path === 'supervisions';
  const title = UI.event.formTitle(eventLabel(p.type), e.number);
  // An event this history allows only dated earlier (backfilled work, DESIGN §11) gets its form too, with the reason.
  const backdatedOnly = !e.nextEvents.includes(p.type) && (e.backdatableEvents ?? []).includes(p.type);
  const back = (
    <>
      {UI.common.backTo} {e.number}
    </>
  );
  return (
    <Layout title={title} actor={p.actor} csrf={p.csrf} active={p.path}>
      <div class="page-head">
        <h1>{title}</h1>
        <a href={base}>{back}</a>
      </div>
      <p class="state-words">
        {UI.cases.currentState}：<StateBadge state={e.state} supervision={supervision} />{' '}
        {(supervision ? SUPERVISION_STATE_DESCRIPTIONS : STATE_DESCRIPTIONS)[e.state] ?? ''}
      </p>
      {backdatedOnly ? (
        <p class="notice" data-testid="backdated-only">
          {UI.event.backdatedOnly}
        </p>
      ) : null}
      {st.notice ? (
        <div class="notice" role="status" data-testid="restored">
          <strong>{st.notice.title}</strong> {st.notice.detail}
        </div>
      ) : null}
      {e.nextEvents.includes(p.type) || backdatedOnly ? (
        <section class="card">
          {p.changes && p.changes.items.length ? (
            <div class="changes" data-testid="changes">
              <h2>{UI.stale.changes}</h2>
              <Timeline items={p.changes.items} names={p.changes.names} stateLabel={p.changes.stateLabel} scope={p.changes.scope} />
              <p>
                <a href={base}>{UI.stale.reload}</a>
              </p>
            </div>
          ) : null}
          <EventForm
            type={p.type}
            fields={p.fields}
            action={`${base}/events/${p.type}`}
            cancel={base}
            csrf={p.csrf}
            version={st.version ?? e.version}
            idemKey={st.key}
            values={st.values}
            errors={st.errors}
            deputyChoices={p.deputyChoices ?? {}}
            fixed={p.fixed}
            error={st.error}
            backfill={backdatedOnly}
            closes={e.closingEvents?.includes(p.type) ? 'always' : e.mayCloseEvents?.includes(p.type) ? 'maybe' : undefined}
            notice={p.notice}
          />
        </section>
      ) : (
        <>
          {st.error ? <ErrorBox title={st.error.title} detail={st.changedSince !== undefined ? UI.stale.gone : st.error.detail} /> : null}
          {p.changes && p.changes.items.length ? (
            <section class="card changes" data-testid="changes">
              <h2>{UI.stale.changes}</h2>
              <Timeline items={p.changes.items} names={p.changes.names} stateLabel={p.changes.stateLabel} scope={p.changes.scope} />
            </section>
          ) : null}
          <p class="notice" data-testid="unavailable">
            {UI.event.unavailable}
          </p>
          <p>
            <a class="button" href={base}>
              {back}
            </a>
          </p>
        </>
      )}
    </Layout>
  );
}

/** An event type neither machine knows: a 404 page. */
export function UnknownEventPage(p: { actor: Actor; csrf: string }) {
  return (
    <Layout title={ERROR_TITLES.not_found} actor={p.actor} csrf={p.csrf}>
      <ErrorBox title={ERROR_TITLES.not_found} detail={UI.errors.notFoundPage} />
    </Layout>
  );
}

/** What differs between the two machines' event pages. */
export interface EventRoutes {
  path: 'cases' | 'supervisions';
  store: EntityStore;
  /** The machine's payload schemas, by event type: the form's fields come from them. */
  schemas: Record<string, z.ZodType>;
  /** The entity, read for this user (the engine's view; refuses what they may not read). */
  read: (deps: AppDeps, c: WebContext, ctx: PageCtx, id: string) => Promise<EventPageProps['entity'] & { context?: unknown; stationCode?: string }>;
  /** What the form offers beyond its fields (deputies to choose, a fixed deputy, initial values). */
  extras?: (
    deps: AppDeps,
    ctx: PageCtx,
    entity: Awaited<ReturnType<EventRoutes['read']>>,
    type: string,
  ) => Promise<Pick<EventPageProps, 'deputyChoices' | 'fixed'> & { defaults?: FormBody }>;
  /** The entity's journal for this user, to show what others recorded since a stale form was opened. */
  history: (deps: AppDeps, c: WebContext, ctx: PageCtx, entity: Awaited<ReturnType<EventRoutes['read']>>) => Promise<NonNullable<EventPageProps['changes']>>;
  /** The body as sent, adjusted before the engine sees it (a deputy recuses only themself). */
  adjust?: (type: string, ctx: PageCtx, body: Record<string, unknown>) => void;
  /**
   * The events that close the entity from every state that takes them (`alwaysClosingEvents` of the
   * machine): sent only with the "我确认此操作将结案" box ticked, checked here as well as in the browser
   * (issue 15 §1), so it holds without JavaScript.
   */
  closing?: ReadonlySet<string>;
  /** A line above the form's fields for this event (what is still owed, what a rating does). */
  notice?: (entity: Awaited<ReturnType<EventRoutes['read']>>, type: string) => string | undefined;
}

/**
 * The form posted back by 添加一期 or 计算合计: what was typed (instalment rows as rows, one blank
 * row more when adding) and each row's own errors as the engine's schema finds them — only the
 * rows': the rest of the form is checked when it is sent.
 */
function rowsAgain(schema: z.ZodType, fields: FormField[], form: FormBody, add: boolean): Pick<EventFormState, 'values' | 'errors'> {
  const values = formValues(form);
  const errors: Record<string, string> = {};
  const parsed = schema.safeParse(payloadOf(fields, form));
  for (const f of fields.filter((x) => x.kind === 'installments')) {
    const rows = installmentRows(form, f.name);
    delete values[f.name];
    for (const r of rows) {
      values[`${f.name}.${r.row}.dueDate`] = r.dueDate;
      values[`${f.name}.${r.row}.amount`] = r.amount;
    }
    if (add) {
      const next = Math.max(1, ...rows.map((r) => r.row)) + 1;
      values[`${f.name}.${next}.dueDate`] = '';
      values[`${f.name}.${next}.amount`] = '';
    }
    if (parsed.success) continue;
    for (const e of fieldErrors(parsed.error)) {
      const input = inputOf(fields, e.field, form);
      if (input.startsWith(`${f.name}.`)) errors[input] ??= sayField(e);
    }
  }
  return { values, errors };
}

/**
 * A date refused as already past (an agreement's due date or an instalment's, issue 15 §1): the
 * inputs holding that date get the error beside them, besides the reason at the top.
 */
function pastDateErrors(err: unknown, fields: FormField[], form: FormBody): Record<string, string> {
  if (!(err instanceof DomainError) || err.reason !== 'transition.due_date_past') return {};
  const date = String(err.params.date ?? '');
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (f.kind === 'date' && one(form, f.name).trim() === date) out[f.name] = UI.event.datePast;
    if (f.kind === 'installments') for (const r of installmentRows(form, f.name)) if (r.dueDate.trim() === date) out[`${f.name}.${r.row}.dueDate`] = UI.event.datePast;
  }
  return out;
}

/**
 * `GET /:path/:id/events/:type` (the form) and its POST, for either machine: pinned to the
 * version the user saw, once per rendered form (an idempotency key), then back to the entity's
 * timeline; a refusal shows the form again with what was typed and why.
 */
export function eventPages(app: Hono<WebEnv>, deps: AppDeps, spec: EventRoutes, opts: { may?: Action } = {}) {
  const isEvent = (t: string) => Object.hasOwn(spec.schemas, t);
  async function formPage(c: WebContext, ctx: PageCtx, state?: EventFormState, status: ContentfulStatusCode = 200) {
    const { actor, csrf } = ctx;
    const id = c.req.param('id') ?? '';
    const type = c.req.param('type') ?? '';
    const entity = await spec.read(deps, c, ctx, id);
    if (!isEvent(type)) return html(c, <UnknownEventPage actor={actor} csrf={csrf} />, 404);
    const extras = (await spec.extras?.(deps, ctx, entity, type)) ?? {};
    // A form handed back after signing in again keeps what was typed, its key and the version seen.
    const st = state ?? restoredFormState(c) ?? { values: extras.defaults ?? {}, errors: {}, key: newFormKey() };
    // A form someone else overtook: what they recorded since the version this form was opened at.
    const since = st.changedSince;
    let changes: EventPageProps['changes'];
    if (since !== undefined) {
      const h = await spec.history(deps, c, ctx, entity);
      changes = { ...h, items: h.items.filter((e) => e.seq > since) };
    }
    return html(
      c,
      <EventPage
        actor={actor}
        csrf={csrf}
        path={spec.path}
        entity={entity}
        type={type}
        fields={fieldsOf(spec.schemas[type])}
        state={st}
        changes={changes}
        deputyChoices={extras.deputyChoices}
        fixed={extras.fixed}
        notice={spec.notice?.(entity, type)}
      />,
      status,
    );
  }
  async function send(c: WebContext, ctx: PageCtx) {
    const id = c.req.param('id') ?? '';
    const type = c.req.param('type') ?? '';
    if (!isEvent(type)) return formPage(c, ctx);
    const form = c.get('form');
    const fields = fieldsOf(spec.schemas[type]);
    // 添加一期 / 计算合计 on a form without script: the form again, one row more or summed; nothing is sent.
    if ((ADD_ROW in form || SUM_ROWS in form) && fields.some((f) => f.kind === 'installments')) {
      return formPage(c, ctx, { ...rowsAgain(spec.schemas[type], fields, form, ADD_ROW in form), key: one(form, '_key') || newFormKey(), version: versionOfForm(form) });
    }
    const body: Record<string, unknown> = { type, ...payloadOf(fields, form) };
    spec.adjust?.(type, ctx, body);
    // An action that closes the case or item is sent only with its box ticked (browsers without `required` too).
    if (spec.closing?.has(type) && one(form, '_confirmClose') !== 'yes') {
      // The reason is said once, in the list of fields to fix (by the box's words) and at the box.
      const error = { title: ERROR_TITLES.validation, detail: '' };
      return formPage(c, ctx, { values: formValues(form), key: one(form, '_key') || newFormKey(), errors: { _confirmClose: UI.event.confirmCloseMissing }, error, version: versionOfForm(form) }, 400);
    }
    return formAction(
      async () => {
        await applyEvent(engineOf(deps, c), spec.store, ctx.actor, id, body, { ifMatch: versionOfForm(form), idempotency: idempotencyOfForm(c, form, body), render: brief });
        return c.redirect(`/${spec.path}/${id}?ok=ev.${type}#timeline`, 303);
      },
      (r, err) => {
        const again = { values: formValues(form), key: one(form, '_key') || newFormKey(), errors: { ...r.errors, ...pastDateErrors(err, fields, form) }, error: r.error };
        if (err instanceof VersionConflict) {
          // Someone else changed the record while this form was open: keep what was typed, show what
          // changed, and pin the form to the version now shown, so a second submit is a decision made
          // knowing the change (DESIGN §6 keeps the 412 for the stale one).
          const { expected, actual } = err.params as { expected: number; actual: number };
          const error = { title: r.error.title || UI.stale.title, detail: UI.stale.detail(actual - expected) };
          return formPage(c, ctx, { ...again, errors: {}, error, version: actual, changedSince: expected }, r.status);
        }
        return formPage(c, ctx, again, r.status);
      },
      (path) => inputOf(fields, path, form),
    );
  }
  app.get(`/${spec.path}/:id/events/:type`, page(deps, formPage, opts));
  app.post(`/${spec.path}/:id/events/:type`, page(deps, send, opts));
}

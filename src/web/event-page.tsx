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
import type { EntityStore } from '../engine/stores.js';
import type { Action } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import { SUPERVISION_STATE_DESCRIPTIONS, STATE_DESCRIPTIONS, eventLabel } from '../labels.js';
import { ERROR_TITLES, UI } from '../words.js';
import { ErrorBox, StateBadge } from './components.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, versionOfForm, type EventFormState } from './engine-call.js';
import { formAction } from './form-action.js';
import { fieldsOf, inputOf, payloadOf, type FormField } from './forms.js';
import { one, type FormBody, type WebEnv } from './http.js';
import { EventForm, formValues, type EventFormProps } from './journal.js';
import { Layout } from './layout.js';
import { html, page, type PageCtx, type WebContext } from './page.js';

export interface EventPageProps {
  actor: Actor;
  csrf: string;
  /** `cases` or `supervisions`: the path and the navigation entry. */
  path: 'cases' | 'supervisions';
  entity: { id: string; number: string; state: string; version: number; nextEvents: string[]; backdatableEvents?: string[] };
  type: string;
  fields: FormField[];
  state: EventFormState;
  deputyChoices?: EventFormProps['deputyChoices'];
  fixed?: EventFormProps['fixed'];
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
      {e.nextEvents.includes(p.type) || backdatedOnly ? (
        <section class="card">
          <EventForm
            type={p.type}
            fields={p.fields}
            action={`${base}/events/${p.type}`}
            cancel={base}
            csrf={p.csrf}
            version={e.version}
            idemKey={st.key}
            values={st.values}
            errors={st.errors}
            deputyChoices={p.deputyChoices ?? {}}
            fixed={p.fixed}
            error={st.error}
            backfill={backdatedOnly}
          />
        </section>
      ) : (
        <>
          {st.error ? <ErrorBox title={st.error.title} detail={st.error.detail} /> : null}
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
  /** The body as sent, adjusted before the engine sees it (a deputy recuses only themself). */
  adjust?: (type: string, ctx: PageCtx, body: Record<string, unknown>) => void;
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
    return html(
      c,
      <EventPage
        actor={actor}
        csrf={csrf}
        path={spec.path}
        entity={entity}
        type={type}
        fields={fieldsOf(spec.schemas[type])}
        state={state ?? { values: extras.defaults ?? {}, errors: {}, key: newFormKey() }}
        deputyChoices={extras.deputyChoices}
        fixed={extras.fixed}
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
    const body: Record<string, unknown> = { type, ...payloadOf(fields, form) };
    spec.adjust?.(type, ctx, body);
    return formAction(
      async () => {
        await applyEvent(engineOf(deps, c), spec.store, ctx.actor, id, body, { ifMatch: versionOfForm(form), idempotency: idempotencyOfForm(c, form, body), render: brief });
        return c.redirect(`/${spec.path}/${id}?ok=ev.${type}#timeline`, 303);
      },
      (r) => formPage(c, ctx, { values: formValues(form), key: one(form, '_key') || newFormKey(), errors: r.errors, error: r.error }, r.status),
      (path) => inputOf(fields, path),
    );
  }
  app.get(`/${spec.path}/:id/events/:type`, page(deps, formPage, opts));
  app.post(`/${spec.path}/:id/events/:type`, page(deps, send, opts));
}

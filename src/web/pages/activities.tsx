/**
 * A station's activity register (履职记录本): what the station did on a day, the deputies who came
 * (进站) and the voters received. Recording and reading are src/engine/activities.ts verbs.
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../../edge/context.js';
import { requestMeta } from '../../edge/context.js';
import { activitySchema, getActivity, listActivities, recordActivity, updateActivity } from '../../engine/activities.js';
import { listChanges } from '../../engine/audit.js';
import { listDeputies, listStations } from '../../engine/directory.js';
import { DomainError } from '../../engine/errors.js';
import { shanghaiDate } from '../../machines/calendar.js';
import { activityRecordRefusal, activityUpdateRefusal } from '../../machines/policy.js';
import { formatDateTime } from '../../format.js';
import { fieldLabel } from '../../labels.js';
import { UI } from '../../words.js';
import { deputyChoices, shownName, type DeputyChoice, type StationChoice } from '../choices.js';
import { ErrorBox, Input, RestoredNotice, Row, Section, TextArea, type FieldErrorMap } from '../components.js';
import { engineOf, idempotencyOfForm, newFormKey, restoredFormState } from '../engine-call.js';
import { limitHint, textLimit } from '../forms.js';
import { many, one, type FormBody, type WebEnv } from '../http.js';
import { flashOf, html, page, pageAt, type PageCtx, type WebContext } from '../page.js';
import { DownloadLinks } from '../downloads.js';
import { formAction } from '../form-action.js';
import { Table } from '../table.js';
import { AdminFrame, ChangeHistory, FormCard, NameWithStatus } from '../admin-frame.js';

/** The register's text inputs' limits, from the engine's schema (within what one form carries). */
const LIMITS = { theme: textLimit(activitySchema.shape.theme), content: textLimit(activitySchema.shape.content) };

interface FormState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
  /** Handed back after signing in again (issue 15 §6). */
  restored?: boolean;
}

const SCOPE = 'activity';
const enc = encodeURIComponent;

/**
 * An activity's fields, for recording one and for editing one. Retired deputies only where already
 * on the record; namesakes told apart by station, level and phone tail (issue 15 §4).
 */
function ActivityFields(p: { st: FormState; deputies: DeputyChoice[]; stations: StationChoice[]; today: string }) {
  const v = (k: string) => one(p.st.values, k);
  const chosen = new Set(many(p.st.values, 'deputyIds'));
  const e = p.st.errors;
  const deputies = deputyChoices(p.deputies, p.stations, { keep: [...chosen], plain: true });
  return (
    <>
      <input type="hidden" name="_key" value={p.st.key} />
      <Row label={UI.activities.date} name="date" required error={e.date}>
        <Input name="date" type="date" value={v('date')} required error={e.date} max={p.today} />
      </Row>
      <Row label={UI.activities.theme} name="theme" required error={e.theme} hint={limitHint(LIMITS.theme)}>
        <Input name="theme" value={v('theme')} required error={e.theme} placeholder={UI.examples.activityTheme} maxlength={LIMITS.theme} />
      </Row>
      <Row label={UI.activities.content} name="content" required error={e.content} hint={limitHint(LIMITS.content)}>
        <TextArea name="content" value={v('content')} required rows={4} error={e.content} maxlength={LIMITS.content} />
      </Row>
      <Row label={UI.activities.deputies} name="deputyIds" error={e.deputyIds} hint={UI.event.deputiesHint}>
        {deputies.length ? (
          <fieldset class="choices" id="f-deputyIds">
            {deputies.map((d) => (
              <label class="choice">
                <input type="checkbox" name="deputyIds" value={d.id} checked={chosen.has(d.id)} />
                <span class="choice-name">
                  <NameWithStatus name={d.name} active={d.active} />
                </span>
                <small>{d.note}</small>
              </label>
            ))}
          </fieldset>
        ) : (
          <p class="muted">{UI.event.noDeputies}</p>
        )}
      </Row>
      <Row label={UI.activities.voters} name="votersReceived" required error={e.votersReceived}>
        <Input name="votersReceived" type="number" min="0" step="1" value={v('votersReceived') || '0'} required error={e.votersReceived} />
      </Row>
    </>
  );
}

const errorBox = (st: FormState) =>
  st.error ? (
    <ErrorBox title={st.error.title} detail={st.error.detail} fields={Object.entries(st.errors).map(([name, message]) => ({ name, message, label: fieldLabel(name, SCOPE) }))} />
  ) : null;

async function register(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: FormState, status: ContentfulStatusCode = 200) {
  const { actor, csrf, now } = ctx;
  const code = c.req.param('code') ?? '';
  // listActivities decides who may read this station's register (and 404s an unknown station).
  const { page: list, reset } = await pageAt(c.req.query('cursor') || undefined, (cursor) => listActivities(deps.db, actor, code, cursor ? { cursor, limit: '50' } : { limit: '50' }));
  const [stations, deputies] = await Promise.all([listStations(deps.db), listDeputies(deps.db, actor, code)]);
  const station = stations.items.find((s) => s.code === code);
  // The register names every deputy it recorded, a retired one marked 已停用.
  const names = new Map(deputies.items.map((d) => [d.id, shownName(d)]));
  const canRecord = activityRecordRefusal(actor, code) === null;
  const canEdit = activityUpdateRefusal(actor, code) === null;
  const today = shanghaiDate(now.toISOString());
  // A form handed back after signing in again keeps what was typed and its key.
  const restored = restoredFormState(c);
  const st: FormState = state ?? (restored ? { values: restored.values, errors: {}, key: restored.key, restored: true } : { values: { date: today }, errors: {}, key: newFormKey() });
  const title = UI.activities.title(station?.name ?? code);
  const visits = list.items.reduce((a, x) => a + x.deputyVisits, 0);
  const voters = list.items.reduce((a, x) => a + x.votersReceived, 0);
  return html(
    c,
    <AdminFrame
      title={title}
      actor={actor}
      csrf={csrf}
      active="activities"
      flash={flashOf(c, { recorded: UI.activities.recorded })}
      note={reset ? UI.common.pageLinkExpired : null}
      head={<DownloadLinks href={`/stations/${enc(code)}/activities/download`} />}
      main={
        <Section title={UI.nav.activities}>
          {list.items.length ? (
            <>
              <p class="hint">{UI.activities.totals(list.items.length, visits, voters)}</p>
              <Table
                testid="activities"
                rows={list.items}
                rowAttrs={(a) => ({ 'data-activity': a.id })}
                columns={[
                  { label: UI.activities.date, head: true, class: 'nowrap', cell: (a) => a.date },
                  { label: UI.activities.theme, cell: (a) => a.theme },
                  { label: UI.activities.content, class: 'pre', cell: (a) => a.content },
                  { label: UI.activities.deputies, cell: (a) => a.deputyIds.map((d) => names.get(d) ?? d).join('、') || '—' },
                  { label: UI.activities.voters, cell: (a) => a.votersReceived },
                  canEdit && { label: '', cell: (a) => <a href={`/stations/${enc(code)}/activities/${a.id}/edit`}>{UI.activities.edit}</a> },
                ]}
              />
            </>
          ) : (
            <p class="empty">{UI.activities.none}</p>
          )}
          {list.nextCursor ? (
            <nav class="pager">
              <a href={`?cursor=${encodeURIComponent(list.nextCursor)}`}>{UI.common.nextPage}</a>
            </nav>
          ) : null}
        </Section>
      }
      side={
        canRecord ? (
          <FormCard
            title={UI.activities.add}
            action={`/stations/${enc(code)}/activities`}
            csrf={csrf}
            error={
              <>
                {st.restored ? <RestoredNotice /> : null}
                {errorBox(st)}
              </>
            }
            submit={UI.common.save}
          >
            <ActivityFields st={st} deputies={deputies.items} stations={stations.items} today={today} />
          </FormCard>
        ) : null
      }
    />,
    status,
  );
}

/** What the activity form sends. */
function activityBody(form: FormBody): Record<string, unknown> {
  const voters = one(form, 'votersReceived').trim();
  return {
    date: one(form, 'date').trim(),
    theme: one(form, 'theme').trim(),
    content: one(form, 'content').trim(),
    deputyIds: many(form, 'deputyIds'),
    votersReceived: /^-?\d+$/.test(voters) ? Number(voters) : voters === '' ? undefined : voters,
  };
}

async function record(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const code = c.req.param('code') ?? '';
  const form = c.get('form');
  const body = activityBody(form);
  return formAction(
    async () => {
      await recordActivity(deps.db, ctx.actor, code, body, { now: engineOf(deps, c).now?.(), idempotency: idempotencyOfForm(c, form, body) });
      return c.redirect(`/stations/${encodeURIComponent(code)}/activities?ok=recorded`, 303);
    },
    (r) => register(deps, c, ctx, { values: form, errors: r.errors, error: r.error, key: one(form, '_key') || newFormKey() }, r.status),
  );
}

/** One activity record's edit form beside its change history (issue 15 §4). */
async function editPage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: FormState, status: ContentfulStatusCode = 200) {
  const { actor, csrf, now } = ctx;
  const code = c.req.param('code') ?? '';
  const id = c.req.param('id') ?? '';
  const activity = await getActivity(deps.db, actor, code, id);
  const [history, deputies, stations] = await Promise.all([listChanges(deps.db, actor, { type: 'activity', id, stationCode: code }), listDeputies(deps.db, actor, code), listStations(deps.db)]);
  const names = new Map(deputies.items.map((d) => [d.id, d.name]));
  const st: FormState = state ?? {
    values: { date: activity.date, theme: activity.theme, content: activity.content, deputyIds: activity.deputyIds, votersReceived: String(activity.votersReceived) },
    errors: {},
    key: newFormKey(),
  };
  const show = (field: string, value: unknown) => (field === 'deputyIds' && Array.isArray(value) ? value.map((d) => names.get(d) ?? d).join('、') : String(value));
  return html(
    c,
    <AdminFrame
      title={UI.activities.editTitle(activity.date, activity.theme)}
      actor={actor}
      csrf={csrf}
      active="activities"
      flash={flashOf(c, { updated: UI.activities.updated })}
      main={
        <FormCard title={UI.activities.edit} action={`/stations/${enc(code)}/activities/${activity.id}/edit`} csrf={csrf} error={errorBox(st)} submit={UI.common.save} testid="edit">
          <ActivityFields st={st} deputies={deputies.items} stations={stations.items} today={shanghaiDate(now.toISOString())} />
        </FormCard>
      }
      side={<ChangeHistory items={history} label={(f) => fieldLabel(f, SCOPE)} show={show} first={UI.activities.recordedAt(formatDateTime(activity.createdAt))} />}
    >
      <p>
        <a href={`/stations/${enc(code)}/activities`}>{UI.activities.back}</a>
      </p>
    </AdminFrame>,
    status,
  );
}

async function update(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const code = c.req.param('code') ?? '';
  const id = c.req.param('id') ?? '';
  const form = c.get('form');
  return formAction(
    async () => {
      await updateActivity(deps.db, ctx.actor, code, id, activityBody(form), { now: engineOf(deps, c).now?.(), meta: requestMeta(c) });
      return c.redirect(`/stations/${enc(code)}/activities/${enc(id)}/edit?ok=updated`, 303);
    },
    (r, err) => {
      if (err instanceof DomainError && err.code === 'not_found') throw err;
      return editPage(deps, c, ctx, { values: form, errors: r.errors, error: r.error, key: one(form, '_key') || newFormKey() }, r.status);
    },
  );
}

export function activityPages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/stations/:code/activities', page(deps, (c, ctx) => register(deps, c, ctx)));
  app.post('/stations/:code/activities', page(deps, (c, ctx) => record(deps, c, ctx)));
  // Who edits which station's records: the policy (the role here; the station in the verbs).
  const editors = { may: 'activity.update' } as const;
  app.get('/stations/:code/activities/:id/edit', page(deps, (c, ctx) => editPage(deps, c, ctx), editors));
  app.post('/stations/:code/activities/:id/edit', page(deps, (c, ctx) => update(deps, c, ctx), editors));
}

/**
 * A station's activity register (履职记录本): what the station did on a day, the deputies who came
 * (进站) and the voters received. Recording and reading are src/engine/activities.ts verbs.
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../../edge/context.js';
import { listActivities, recordActivity } from '../../engine/activities.js';
import { listDeputies, listStations } from '../../engine/directory.js';
import { shanghaiDate } from '../../machines/calendar.js';
import { activityRecordRefusal } from '../../machines/policy.js';
import { fieldLabel } from '../../labels.js';
import { UI } from '../../words.js';
import { deputyChoices, shownName } from '../choices.js';
import { Csrf, ErrorBox, Input, RestoredNotice, Row, Section, TextArea, type FieldErrorMap } from '../components.js';
import { engineOf, idempotencyOfForm, newFormKey, restoredFormState } from '../engine-call.js';
import { many, one, type FormBody, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { html, page, type PageCtx, type WebContext } from '../page.js';
import { DownloadLinks } from '../downloads.js';
import { formAction } from '../form-action.js';
import { Table } from '../table.js';

interface FormState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
  /** Handed back after signing in again (issue 15 §6). */
  restored?: boolean;
}

const SCOPE = 'activity';

async function register(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: FormState, status: ContentfulStatusCode = 200) {
  const { actor, csrf, now } = ctx;
  const code = c.req.param('code') ?? '';
  const cursor = c.req.query('cursor') || undefined;
  // listActivities decides who may read this station's register (and 404s an unknown station).
  const list = await listActivities(deps.db, actor, code, cursor ? { cursor, limit: '50' } : { limit: '50' });
  const [stations, deputies] = await Promise.all([listStations(deps.db), listDeputies(deps.db, code, actor)]);
  const station = stations.items.find((s) => s.code === code);
  // The register names every deputy it recorded (a retired one marked); the form offers those in use, told apart.
  const names = new Map(deputies.items.map((d) => [d.id, shownName(d)]));
  const choices = deputyChoices(deputies.items, stations.items);
  const canRecord = activityRecordRefusal(actor, code) === null;
  const restored = restoredFormState(c);
  const st: FormState = state ?? (restored ? { values: restored.values, errors: {}, key: restored.key, restored: true } : { values: { date: shanghaiDate(now.toISOString()) }, errors: {}, key: newFormKey() });
  const v = (k: string) => one(st.values, k);
  const chosen = new Set(many(st.values, 'deputyIds'));
  const e = st.errors;
  const title = UI.activities.title(station?.name ?? code);
  const flash = c.req.query('ok') === 'recorded' ? UI.activities.recorded : null;
  const visits = list.items.reduce((a, x) => a + x.deputyVisits, 0);
  const voters = list.items.reduce((a, x) => a + x.votersReceived, 0);
  return html(
    c,
    <Layout title={title} actor={actor} csrf={csrf} active="activities" flash={flash} wide>
      <div class="page-head">
        <h1>{title}</h1>
        <DownloadLinks href={`/stations/${encodeURIComponent(code)}/activities/download`} />
      </div>
      <div class="columns">
        <div class="col-main">
          <Section title={UI.nav.activities}>
            {list.items.length ? (
              <>
                <p class="hint">{UI.activities.totals(list.items.length, visits, voters)}</p>
                <Table
                  testid="activities"
                  rows={list.items}
                  columns={[
                    { label: UI.activities.date, head: true, class: 'nowrap', cell: (a) => a.date },
                    { label: UI.activities.theme, cell: (a) => a.theme },
                    { label: UI.activities.content, class: 'pre', cell: (a) => a.content },
                    { label: UI.activities.deputies, cell: (a) => a.deputyIds.map((d) => names.get(d) ?? d).join('、') || '—' },
                    { label: UI.activities.voters, cell: (a) => a.votersReceived },
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
        </div>
        {canRecord ? (
          <div class="col-side">
            <Section title={UI.activities.add}>
              {st.restored ? <RestoredNotice /> : null}
              <form method="post" action={`/stations/${encodeURIComponent(code)}/activities`} class="form">
                {st.error ? (
                  <ErrorBox
                    title={st.error.title}
                    detail={st.error.detail}
                    fields={Object.entries(e).map(([name, message]) => ({ name, message, label: fieldLabel(name, SCOPE) }))}
                  />
                ) : null}
                <Csrf token={csrf} />
                <input type="hidden" name="_key" value={st.key} />
                <Row label={UI.activities.date} name="date" required error={e.date}>
                  <Input name="date" type="date" value={v('date')} required error={e.date} max={shanghaiDate(now.toISOString())} />
                </Row>
                <Row label={UI.activities.theme} name="theme" required error={e.theme}>
                  <Input name="theme" value={v('theme')} required error={e.theme} placeholder={UI.examples.activityTheme} />
                </Row>
                <Row label={UI.activities.content} name="content" required error={e.content}>
                  <TextArea name="content" value={v('content')} required rows={4} error={e.content} />
                </Row>
                <Row label={UI.activities.deputies} name="deputyIds" error={e.deputyIds} hint={UI.event.deputiesHint}>
                  {choices.length ? (
                    <fieldset class="choices" id="f-deputyIds">
                      {choices.map((d) => (
                        <label class="choice">
                          <input type="checkbox" name="deputyIds" value={d.id} checked={chosen.has(d.id)} />
                          <span class="choice-name">{d.name}</span>
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
                <div class="actions">
                  <button type="submit" class="primary">
                    {UI.common.save}
                  </button>
                </div>
              </form>
            </Section>
          </div>
        ) : null}
      </div>
    </Layout>,
    status,
  );
}

async function record(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const code = c.req.param('code') ?? '';
  const form = c.get('form');
  const voters = one(form, 'votersReceived').trim();
  const body: Record<string, unknown> = {
    date: one(form, 'date').trim(),
    theme: one(form, 'theme').trim(),
    content: one(form, 'content').trim(),
    deputyIds: many(form, 'deputyIds'),
    votersReceived: /^-?\d+$/.test(voters) ? Number(voters) : voters === '' ? undefined : voters,
  };
  return formAction(
    async () => {
      await recordActivity(deps.db, ctx.actor, code, body, { now: engineOf(deps, c).now?.(), idempotency: idempotencyOfForm(c, form, body) });
      return c.redirect(`/stations/${encodeURIComponent(code)}/activities?ok=recorded`, 303);
    },
    (r) => register(deps, c, ctx, { values: form, errors: r.errors, error: r.error, key: one(form, '_key') || newFormKey() }, r.status),
  );
}

export function activityPages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/stations/:code/activities', page(deps, (c, ctx) => register(deps, c, ctx)));
  app.post('/stations/:code/activities', page(deps, (c, ctx) => record(deps, c, ctx)));
}

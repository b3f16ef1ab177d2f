/** One event's form on a case, and its POST through `applyEvent`. */
import type { AppDeps } from '../../../edge/context.js';
import { caseStore } from '../../../engine/stores.js';
import { caseHistory, getCase } from '../../../engine/views.js';
import { stateLabel } from '../../../labels.js';
import type { HistoryItem } from '../../journal.js';
import { caseEventSchemas } from '../../../machines/case.js';
import { casePermissions } from '../../../machines/case-spec.js';
import { EventPage, UnknownEventPage } from '../../event-page.js';
import { selfAs } from '../../../machines/policy.js';
import { newFormKey, restoredFormState, submitEventForm, type EventFormState, type EventPageStatus } from '../../engine-call.js';
import { fieldsOf, payloadOf, toLocalDateTime } from '../../forms.js';
import { type FormBody } from '../../http.js';
import { html, type PageCtx, type WebContext } from '../../page.js';
import { namesOf, type CaseCtx } from './shared.js';

type CaseEventType = keyof typeof caseEventSchemas;
const isCaseEvent = (t: string): t is CaseEventType => Object.hasOwn(caseEventSchemas, t);


export async function eventPage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: EventFormState, status: EventPageStatus = 200) {
  const { actor, csrf, now } = ctx;
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  const view = await getCase(deps.db, actor, id, { now, requestId: c.get('requestId') });
  if (!isCaseEvent(type)) return html(c, <UnknownEventPage actor={actor} csrf={csrf} />, 404);
  const names = await namesOf(deps);
  const x = view.context as CaseCtx;
  const assigned = (x.deputyIds ?? []).map((d) => ({ id: d, name: names.deputies.get(d) ?? d }));
  const stationName = (code: string) => names.stations.get(code) ?? code;
  // The case's own station's deputies first: they are the ones usually asked.
  const all = [...names.deputyList]
    .sort((a, b) => Number(b.stationCode === view.stationCode) - Number(a.stationCode === view.stationCode))
    .map((d) => ({ id: d.id, name: d.name, note: `${stationName(d.stationCode)}${d.expertise.length ? ` · ${d.expertise.join('、')}` : ''}` }));
  const self = selfAs(casePermissions[type], actor);
  const defaults: FormBody = type === 'RECORD_SESSION' ? { heldAt: toLocalDateTime(now.toISOString()), attendeeDeputyIds: assigned.map((d) => d.id) } : {};
  const st = state ?? restoredFormState(c) ?? { values: defaults, errors: {}, key: newFormKey() };
  // A form someone else overtook: what they recorded since the version this form was opened at.
  const since = st.changedSince;
  const changes =
    since !== undefined
      ? {
          items: ((await caseHistory(deps.db, actor, id, { now, requestId: c.get('requestId') })).items as HistoryItem[]).filter((e) => e.seq > since),
          names,
          stateLabel,
        }
      : undefined;
  return html(
    c,
    <EventPage
      actor={actor}
      csrf={csrf}
      path="cases"
      entity={view}
      type={type}
      fields={fieldsOf(caseEventSchemas[type])}
      state={st}
      changes={changes}
      deputyChoices={{ deputyIds: all, attendeeDeputyIds: assigned, deputyId: assigned }}
      fixed={self ? { deputyId: { value: self, text: names.deputies.get(self) ?? actor.name } } : undefined}
    />,
    status,
  );
}

export async function sendEvent(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const id = c.req.param('id') ?? '';
  const type = c.req.param('type') ?? '';
  if (!isCaseEvent(type)) return eventPage(deps, c, ctx);
  const form = c.get('form');
  const fields = fieldsOf(caseEventSchemas[type]);
  const body: Record<string, unknown> = { type, ...payloadOf(fields, form) };
  // A deputy recuses only themself, whatever the form says (the engine checks it too).
  const self = selfAs(casePermissions[type], ctx.actor);
  if (self !== undefined) body.deputyId = self;
  const refused = await submitEventForm(deps, c, ctx.actor, caseStore, fields, id, body);
  if (refused) return eventPage(deps, c, ctx, refused.state, refused.status);
  return c.redirect(`/cases/${id}?ok=ev.${type}#timeline`, 303);
}

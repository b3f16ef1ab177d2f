/** One event's form on a case, and its POST through `applyEvent`. */
import { caseStore } from '../../../engine/stores.js';
import { caseHistory, getCase } from '../../../engine/views.js';
import { stateLabel } from '../../../labels.js';
import type { HistoryItem } from '../../journal.js';
import { caseEventSchemas, caseMachine } from '../../../machines/case.js';
import { alwaysClosingEvents } from '../../../machines/spec.js';
import { formatYuan } from '../../../format.js';
import { UI } from '../../../words.js';
import { casePermissions } from '../../../machines/case-spec.js';
import type { EventRoutes } from '../../event-page.js';
import { selfAs } from '../../../machines/policy.js';
import { toLocalDateTime } from '../../forms.js';
import type { FormBody } from '../../http.js';
import { deputyChoices } from '../../choices.js';
import { namesOf, type CaseCtx } from './shared.js';

type CaseEventType = keyof typeof caseEventSchemas;
type CaseView = Awaited<ReturnType<typeof getCase>>;

/** The case's event forms: deputies to choose (the case's own station's first), a deputy who recuses only themself. */
export const caseEvents: EventRoutes = {
  path: 'cases',
  store: caseStore,
  schemas: caseEventSchemas,
  read: (deps, c, { actor, now }, id) => getCase(deps.db, actor, id, { now, requestId: c.get('requestId') }),
  async extras(deps, { actor, now }, view, type) {
    const names = await namesOf(deps, actor);
    const x = view.context as CaseCtx;
    const ids = x.deputyIds ?? [];
    // The case's own station's deputies first: they are the ones usually asked. Only those in use
    // are offered for a new assignment; the case's own (attending, recusing) are shown even if retired.
    const own = [...names.deputyList].sort((a, b) => Number(b.stationCode === view.stationCode) - Number(a.stationCode === view.stationCode));
    const all = deputyChoices(own, names.stationList, { expertise: true });
    const byId = new Map(deputyChoices(names.deputyList, names.stationList, { keep: ids }).map((d) => [d.id, d]));
    const assigned = ids.map((d) => byId.get(d) ?? { id: d, name: names.deputies.get(d) ?? d, note: '' });
    const self = selfAs(casePermissions[type as CaseEventType], actor);
    return {
      defaults: (type === 'RECORD_SESSION' ? { heldAt: toLocalDateTime(now.toISOString()), attendeeDeputyIds: assigned.map((d) => d.id) } : {}) as FormBody,
      deputyChoices: { deputyIds: all, attendeeDeputyIds: assigned, deputyId: assigned },
      fixed: self ? { deputyId: { value: self, text: names.deputies.get(self) ?? actor.name } } : undefined,
    };
  },
  async history(deps, c, { actor, now }, view) {
    const items = (await caseHistory(deps.db, actor, view.id, { now, requestId: c.get('requestId') })).items as HistoryItem[];
    return { items, names: await namesOf(deps, actor), stateLabel };
  },
  // 退回, 撤回, 调解不成 …: closing from every state that takes them, read from the machine (issue 15 §1).
  closing: new Set(alwaysClosingEvents(caseMachine)),
  // What is still owed, above the amount typed (issue 15 §1): more than that needs 确认超额.
  notice(entity, type) {
    const view = entity as CaseView;
    if (type === 'RECORD_PERFORMANCE' && view.outstandingAmount !== null) return UI.event.owed(formatYuan(view.outstandingAmount));
    if (type === 'RECORD_RECOVERY' && view.unrecoveredAmount !== null) return UI.event.unrecovered(formatYuan(view.unrecoveredAmount));
    return undefined;
  },
  adjust(type, { actor }, body) {
    // A deputy recuses only themself, whatever the form says (the engine checks it too).
    const self = selfAs(casePermissions[type as CaseEventType], actor);
    if (self !== undefined) body.deputyId = self;
  },
};

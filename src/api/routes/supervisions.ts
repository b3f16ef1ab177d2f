import { z } from 'zod';
import { SUPERVISION_KINDS } from '../../machines/supervision.js';
import { supervisionStore } from '../../engine/stores.js';
import { getSupervision, listSupervisions, renderSupervision, supervisionHistory } from '../../engine/supervision-views.js';
import type { AppDeps } from '../context.js';
import { supervisionTable } from '../../edge/exports.js';
import { labelledHistory, labelledItem, labelledList } from '../labelled.js';
import { dueWithinDaysFilter, entityRoutes, stateFilter } from './entity.js';

const listQuery = z.object({
  state: stateFilter(supervisionStore.spec.machine).optional(),
  kind: z.enum(SUPERVISION_KINDS).optional(),
  overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().min(1).max(100).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  // DESIGN §11: items with a deadline whose last day is at most this many days away (overdue included).
  dueWithinDays: dueWithinDaysFilter.optional(),
});

export const supervisionRoutes = (deps: AppDeps) =>
  entityRoutes(deps, {
    store: supervisionStore,
    path: 'supervisions',
    noun: '监督事项',
    listQuery,
    render: (actor, written, opts) => {
      const r = renderSupervision(actor, written, opts);
      return { ...r, body: labelledItem(r.body as { state: string }) };
    },
    get: async (db, actor, id, opts) => labelledItem(await getSupervision(db, actor, id, opts)),
    list: async (db, actor, filters, opts) => labelledList(await listSupervisions(db, actor, filters, opts)),
    history: async (db, actor, id) => labelledHistory(await supervisionHistory(db, actor, id)),
    table: supervisionTable,
  });

import { z } from 'zod';
import { OUTCOMES } from '../../machines/case.js';
import { isValidDate } from '../../machines/calendar.js';
import { caseStore } from '../../engine/stores.js';
import { caseHistory, getCase, listCases, replayedCaseAnswer, renderCase } from '../../engine/views.js';
import type { AppDeps } from '../context.js';
import { caseTable } from '../../edge/exports.js';
import { addLabels, labelled, labelledHistory, labelledList } from '../labelled.js';
import { dueWithinDaysFilter, entityRoutes, stateFilter } from './entity.js';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const day = z.string().trim().refine(isValidDate, { message: '须为日期 YYYY-MM-DD' });

export const caseListQuery = z.object({
  state: stateFilter(caseStore.spec.machine).optional(),
  stationCode: z.string().trim().min(1).max(32).optional(),
  overdue: bool.optional(),
  outcome: z.enum(OUTCOMES).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  // Committee views (DESIGN.md §8): by district, and by the Shanghai calendar day a case was opened.
  district: z.string().trim().min(1).max(50).optional(),
  from: day.optional(),
  to: day.optional(),
  // DESIGN §11: cases with a deadline whose last day is at most this many days away (overdue included).
  dueWithinDays: dueWithinDaysFilter.optional(),
}).refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: '结束日期不能早于开始日期' });

export const caseRoutes = (deps: AppDeps) =>
  entityRoutes(deps, {
    store: caseStore,
    path: 'cases',
    noun: '案件',
    listQuery: caseListQuery,
    render: (actor, written, opts) => {
      const r = renderCase(actor, written, opts);
      // The answer renderCase just built for this write: labelled where it stands.
      return { ...r, body: addLabels(r.body as { state: string; outcome?: string | null }) };
    },
    get: async (db, actor, id, opts) => labelled(await getCase(db, actor, id, opts)),
    list: async (db, actor, filters, opts) => labelledList(await listCases(db, actor, filters, opts)),
    history: async (db, actor, id, opts) => labelledHistory(await caseHistory(db, actor, id, opts)),
    replayed: replayedCaseAnswer,
    table: caseTable,
  });

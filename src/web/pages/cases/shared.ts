/** What the case pages share: the view's types, the directory's names, the case's context as the pages read it. */
import type { AppDeps } from '../../../edge/context.js';
import type { Actor } from '../../../machines/roles.js';
import { listDeputies, listStations } from '../../../engine/directory.js';
import { getCase, listCases } from '../../../engine/views.js';
import { shownName } from '../../choices.js';
import { type Names } from '../../journal.js';

export type CaseView = Awaited<ReturnType<typeof getCase>>;
export type CaseItem = Awaited<ReturnType<typeof listCases>>['items'][number];

export async function namesOf(deps: AppDeps, reader: Actor): Promise<Names & { deputyList: Awaited<ReturnType<typeof listDeputies>>['items']; stationList: Awaited<ReturnType<typeof listStations>>['items'] }> {
  const [stations, deputies] = await Promise.all([listStations(deps.db), listDeputies(deps.db, reader)]);
  // A retired station or deputy is still named on the records that have it, marked 已停用.
  return {
    stations: new Map(stations.items.map((s) => [s.code, shownName(s)])),
    deputies: new Map(deputies.items.map((d) => [d.id, shownName(d)])),
    deputyList: deputies.items,
    stationList: stations.items,
  };
}

export interface CaseCtx {
  deputyIds?: string[];
  recusedDeputyIds?: string[];
  mediatorName?: string | null;
  sessionsHeld?: number;
  nextSession?: { at: string; location: string } | null;
  agreement?: { terms: string; amount: string; dueDate: string; installments: { dueDate: string; amount: string }[] | null; reachedAt: string } | null;
  paidAmount?: string;
  rulingNumber?: string | null;
  enforcementCaseNumber?: string | null;
  measures?: string[];
  outcomeReason?: string | null;
}

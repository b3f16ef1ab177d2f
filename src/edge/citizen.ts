/**
 * What a citizen's status look-up answers (DESIGN.md §13), for the JSON API and the /status page
 * alike: the status, and for a case its number, state in words and next date. Nothing else.
 */
import type { PublicStatus } from '../engine/submissions.js';
import { citizenStateLabel } from '../labels.js';

export function publicStatusBody(s: PublicStatus) {
  if (s.status !== 'case') return { status: s.status };
  const { number, state, outcome, nextDate } = s.case;
  return { status: s.status, case: { number, stateLabel: citizenStateLabel(state, outcome), ...(nextDate ? { nextDate } : {}) } };
}

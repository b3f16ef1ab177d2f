/**
 * The JSON API's labels beside the machine names it sends (`state: 'mediation.active'`,
 * `stateLabel: '调解中'`): added here, at the edge, to what the engine returns as data.
 */
import { eventLabel, outcomeLabel, stateLabel } from '../labels.js';

type Stated = { state: string; outcome?: string | null };

/** A case or supervision item: its state's label, and its outcome's when it has one (on a copy). */
export function labelled<T extends Stated>(v: T): T & { stateLabel: string; outcomeLabel?: string } {
  return addLabels({ ...v });
}

/**
 * `labelled`, written onto `v` itself: for an answer built for this request alone. A write's case
 * answer has some 40 keys; copying them for two more cost 1.4 µs per event.
 */
export function addLabels<T extends Stated>(v: T): T & { stateLabel: string; outcomeLabel?: string } {
  const out = v as T & { stateLabel: string; outcomeLabel?: string };
  out.stateLabel = stateLabel(v.state);
  if (v.outcome) out.outcomeLabel = outcomeLabel(v.outcome);
  return out;
}

/** A supervision item with its linked cases (each labelled; a case without outcome says null). */
export function labelledItem<T extends Stated & { cases?: Stated[] }>(v: T) {
  const out = labelled(v);
  if (!v.cases) return out;
  return { ...out, cases: v.cases.map((c) => ({ ...c, stateLabel: stateLabel(c.state), outcomeLabel: c.outcome ? outcomeLabel(c.outcome) : null })) };
}

/** A journal entry: its event's label. */
export const labelledEntry = <T extends { type: string }>(e: T) => ({ ...e, typeLabel: eventLabel(e.type) });

export const labelledList = <T extends Stated>(page: { items: T[]; nextCursor: string | null }) => ({ ...page, items: page.items.map(labelled) });

export const labelledHistory = <T extends { type: string }>(h: { items: T[] }) => ({ items: h.items.map(labelledEntry) });

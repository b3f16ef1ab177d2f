/**
 * The event page of either machine (a case's or a supervision item's): the state it is in, and
 * the event's form when the user may send it now, or why not. One page for both: only the words
 * of the state and the choices of the form differ.
 */
import type { Actor } from '../machines/roles.js';
import { SUPERVISION_STATE_DESCRIPTIONS, STATE_DESCRIPTIONS, eventLabel } from '../labels.js';
import { ERROR_TITLES, UI } from '../words.js';
import { ErrorBox, StateBadge } from './components.js';
import type { EventFormState } from './engine-call.js';
import type { FormField } from './forms.js';
import { EventForm, Timeline, type EventFormProps, type HistoryItem, type Names } from './journal.js';
import { WORDS } from './wording.js';
import { Layout } from './layout.js';

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
  /** What others recorded since the form was opened (a stale form, `state.changedSince`). */
  changes?: { items: HistoryItem[]; names: Names; stateLabel: (s: string) => string; scope?: string };
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
      {st.notice ? (
        <div class="notice" role="status" data-testid="restored">
          <strong>{st.notice.title}</strong> {st.notice.detail}
        </div>
      ) : null}
      {e.nextEvents.includes(p.type) || backdatedOnly ? (
        <section class="card">
          {p.changes && p.changes.items.length ? (
            <div class="changes" data-testid="changes">
              <h2>{WORDS.stale.changes}</h2>
              <Timeline items={p.changes.items} names={p.changes.names} stateLabel={p.changes.stateLabel} scope={p.changes.scope} />
              <p>
                <a href={base}>{WORDS.stale.reload}</a>
              </p>
            </div>
          ) : null}
          <EventForm
            type={p.type}
            fields={p.fields}
            action={`${base}/events/${p.type}`}
            cancel={base}
            csrf={p.csrf}
            version={st.version ?? e.version}
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
          {st.error ? <ErrorBox title={st.error.title} detail={st.changedSince !== undefined ? WORDS.stale.gone : st.error.detail} /> : null}
          {p.changes && p.changes.items.length ? (
            <section class="card changes" data-testid="changes">
              <h2>{WORDS.stale.changes}</h2>
              <Timeline items={p.changes.items} names={p.changes.names} stateLabel={p.changes.stateLabel} scope={p.changes.scope} />
            </section>
          ) : null}
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

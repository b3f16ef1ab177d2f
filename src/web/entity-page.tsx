/**
 * The new-item page and the item page of either machine (a case's or a supervision item's), as
 * event-page.tsx is their event form: one page each, only the fields, the facts and the words
 * differ. The item page: its number and state, what may be done now (actions that close it look
 * different), the machine's own sections, the timeline with what was just done, and beside them the
 * deadlines, the facts and the state diagram.
 */
import type { Child } from 'hono/jsx';
import type { Actor } from '../machines/roles.js';
import { eventLabel, fieldLabel } from '../labels.js';
import { UI } from '../words.js';
import { Csrf, ErrorBox, Input, RestoredNotice, Row, Section, type FieldErrorMap } from './components.js';
import { StateDiagram } from './diagram.js';
import { one, type FormBody } from './http.js';
import { JustDone, Timeline, type HistoryItem, type Names } from './journal.js';
import { Layout } from './layout.js';
import type { MachineDescription } from '../machines/diagram.js';

/** A new item's form as typed so far: values, each field's error, the refusal, the form's idempotency key. */
export interface NewFormState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
}

/**
 * A new case or supervision item: the refusal with each field to fix, the form's key, the fields,
 * the entry of work done earlier (occurredAt), and the submit and cancel buttons.
 */
export function NewEntityPage(p: {
  actor: Actor;
  csrf: string;
  title: string;
  /** The submit button's words, when not the title. */
  submit?: string;
  active: string;
  action: string;
  cancel: string;
  /** The form's classes beyond `form`. */
  class: string;
  state: NewFormState;
  /** A field's name in the error summary. */
  label: (field: string) => string;
  /** A form handed back after signing in again: said above it (issue 15 §6). */
  restored?: boolean;
  /** A line at the top of the form. */
  intro?: string;
  occurredAtHint?: string;
  children?: Child;
}) {
  const st = p.state;
  const e = st.errors;
  const when = one(st.values, 'occurredAt');
  return (
    <Layout title={p.title} actor={p.actor} csrf={p.csrf} active={p.active}>
      <h1>{p.title}</h1>
      {p.restored ? <RestoredNotice /> : null}
      <form method="post" action={p.action} class={`form ${p.class}`}>
        {st.error ? <ErrorBox title={st.error.title} detail={st.error.detail} fields={Object.entries(e).map(([name, message]) => ({ name, message, label: p.label(name) }))} /> : null}
        <Csrf token={p.csrf} />
        <input type="hidden" name="_key" value={st.key} />
        {p.intro ? <p class="hint">{p.intro}</p> : null}
        {p.children}
        <details class="backfill" open={!!when || !!e.occurredAt}>
          <summary>{UI.cases.backfillLegend}</summary>
          <Row label={fieldLabel('occurredAt')} name="occurredAt" error={e.occurredAt} hint={p.occurredAtHint}>
            <Input name="occurredAt" type="datetime-local" value={when} error={e.occurredAt} />
          </Row>
        </details>
        <div class="actions">
          <button type="submit" class="primary">
            {p.submit ?? p.title}
          </button>
          <a class="button secondary" href={p.cancel}>
            {UI.common.cancel}
          </a>
        </div>
      </form>
    </Layout>
  );
}

/** What may be done now: a button an event, those that close the item marked (issue 15 §1), backdated entries last. */
function Actions(p: { base: string; nextEvents: string[]; backdatable?: string[]; closing: string[] }) {
  const closes = (e: string) => p.closing.includes(e);
  const button = (e: string, backdated: boolean) => (
    <a
      class={closes(e) ? 'button danger' : 'button'}
      href={`${p.base}/events/${e}`}
      data-event={e}
      data-backdated={backdated ? 'true' : undefined}
      data-closes={closes(e) ? 'true' : undefined}
    >
      {eventLabel(e)}
      {backdated ? UI.event.backdatedMark : null}
    </a>
  );
  const backdatable = p.backdatable ?? [];
  if (!p.nextEvents.length && !backdatable.length) return <p class="muted">{UI.cases.noActions}</p>;
  return (
    <div class="event-buttons" data-testid="actions">
      {p.nextEvents.map((e) => button(e, false))}
      {backdatable.map((e) => button(e, true))}
    </div>
  );
}

/** One item's page, for either machine. */
export function EntityPage(p: {
  actor: Actor;
  csrf: string;
  active: string;
  flash: string | null;
  /** `/cases/<id>` or `/supervisions/<id>`. */
  base: string;
  entity: { number: string; state: string; nextEvents: string[]; backdatableEvents?: string[]; closingEvents: string[] };
  /** Beside the number: the state badge and whether it ran over. */
  badges: Child;
  back: { href: string; label: string };
  /** Where it stands, in a sentence. */
  stateWords: Child;
  /** The machine's own sections between the actions and the timeline (parties, linked cases). */
  sections?: Child;
  timeline: { items: HistoryItem[]; names: Names; stateLabel: (s: string) => string; scope?: string; done?: { type: string; message: string } };
  deadlines: Child;
  facts: { title: string; body: Child };
  diagram: { machine: MachineDescription; labelOf: (s: string) => string; describe: (s: string) => string | undefined; developer: boolean };
  /** Section ids of the state and the deadlines (the case page's anchors). */
  ids?: { state?: string; deadlines?: string; facts?: string };
}) {
  const { entity: v, timeline: t } = p;
  return (
    <Layout title={v.number} actor={p.actor} csrf={p.csrf} active={p.active} flash={p.flash} wide>
      <div class="page-head">
        <h1>
          {v.number} {p.badges}
        </h1>
        <a href={p.back.href}>
          {UI.common.backTo}
          {p.back.label}
        </a>
      </div>
      <div class="columns">
        <div class="col-main">
          <Section title={UI.cases.currentState} id={p.ids?.state}>
            <p class="state-words" data-testid="state-words">
              {p.stateWords}
            </p>
            <h3>{UI.cases.actions}</h3>
            <Actions base={p.base} nextEvents={v.nextEvents} backdatable={v.backdatableEvents} closing={v.closingEvents} />
          </Section>
          {p.sections}
          <Section title={UI.cases.timeline} id="timeline">
            {t.done ? <JustDone message={t.done.message} type={t.done.type} items={t.items} names={t.names} stateLabel={t.stateLabel} scope={t.scope} /> : null}
            <Timeline items={t.items} names={t.names} stateLabel={t.stateLabel} scope={t.scope} />
          </Section>
        </div>
        <div class="col-side">
          <Section title={UI.cases.deadlines} id={p.ids?.deadlines}>
            {p.deadlines}
          </Section>
          <Section title={p.facts.title} id={p.ids?.facts}>
            {p.facts.body}
          </Section>
          <Section title={UI.cases.diagram} id="diagram">
            <StateDiagram machine={p.diagram.machine} current={v.state} labelOf={p.diagram.labelOf} describe={p.diagram.describe} developer={p.diagram.developer} />
          </Section>
        </div>
      </div>
    </Layout>
  );
}

/** What was just done (`?ok=ev.<TYPE>`), said at the head of the timeline beside the new entry (issue 15 §6). */
export const doneOf = (ok: string | undefined): string | undefined => (ok?.startsWith('ev.') ? ok.slice(3) : undefined);

/** The new-case form: the case's facts and up to three parties, sent to `createEntity`. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../../../edge/context.js';
import { createEntity } from '../../../engine/apply.js';
import { listStations } from '../../../engine/directory.js';
import { caseStore } from '../../../engine/stores.js';
import { caseInputSchema, PROCEDURES, SOURCES, TRACKS } from '../../../machines/case.js';
import { partySchema } from '../../../engine/stores.js';
import { caseCreation } from '../../../machines/policy.js';
import type { Actor } from '../../../machines/roles.js';
import { DISPUTE_TYPE_SUGGESTIONS, fieldLabel, PARTY_ROLE_LABELS, valueLabel } from '../../../labels.js';
import { UI } from '../../../words.js';
import { Input, Row, Select, TextArea } from '../../components.js';
import { brief, engineOf, idempotencyOfForm, newFormKey, postedFormKey } from '../../engine-call.js';
import { cleanMoney, fromLocalDateTime, limitHint, textLimit } from '../../forms.js';
import { one, restoredDraft, type FormBody } from '../../http.js';
import { NewEntityPage, type NewFormState } from '../../entity-page.js';
import { html, type PageCtx, type WebContext } from '../../page.js';
import { formAction } from '../../form-action.js';
import { shownName, stationOptions, type StationChoice } from '../../choices.js';

const shownOr = (s: StationChoice | undefined, code: string | null | undefined) => (s ? shownName(s) : (code ?? ''));

const PARTY_ROWS = 3;

interface NewCaseState extends NewFormState {
  /** Party rows on the form (three, more when JavaScript added some). */
  rows: number;
  /** Handed back after signing in again (issue 15 §6). */
  restored?: boolean;
}

/** The party rows the form had (its hidden count, at least three, at most fifty). */
const partyRowsOf = (form: FormBody) => Math.min(50, Math.max(PARTY_ROWS, Number(one(form, '_parties')) || 0));

/** The new case's own fields: its facts, up to three parties (more with JavaScript), an enforcement referral's. */
function NewCaseFields(p: { actor: Actor; state: NewCaseState; stations: StationChoice[] }) {
  const v = (name: string) => one(p.state.values, name);
  const e = p.state.errors;
  const allowed = caseCreation(p.actor);
  const station = allowed.stationCode !== undefined;
  const sources = allowed.sources ?? SOURCES;
  return (
    <>
      <div class="grid">
        <Row label={fieldLabel('source')} name="source" required error={e.source}>
          <Select name="source" value={v('source')} required error={e.source} options={sources.map((s) => [s, valueLabel('source', s)])} />
        </Row>
        <Row label={fieldLabel('stationCode')} name="stationCode" required error={e.stationCode}>
          {station ? (
            <>
              <input type="hidden" name="stationCode" value={p.actor.stationCode ?? ''} />
              <p class="fixed" id="f-stationCode">
                {shownOr(p.stations.find((s) => s.code === p.actor.stationCode), p.actor.stationCode)}
              </p>
            </>
          ) : (
            <Select name="stationCode" value={v('stationCode')} blank={UI.common.chooseOne} required error={e.stationCode} options={stationOptions(p.stations)} />
          )}
        </Row>
        <Row label={fieldLabel('track')} name="track" error={e.track}>
          <Select name="track" value={v('track')} blank={UI.common.chooseOne} error={e.track} options={TRACKS.map((t) => [t, valueLabel('track', t)])} />
        </Row>
        <Row label={fieldLabel('procedure')} name="procedure" error={e.procedure}>
          <Select name="procedure" value={v('procedure') || 'ordinary'} error={e.procedure} options={PROCEDURES.map((t) => [t, valueLabel('procedure', t)])} />
        </Row>
        <Row label={fieldLabel('disputeType')} name="disputeType" required error={e.disputeType}>
          <input
            type="text"
            name="disputeType"
            id="f-disputeType"
            list="dispute-types"
            value={v('disputeType')}
            required
            maxlength={textLimit(caseInputSchema.shape.disputeType)}
            aria-invalid={e.disputeType ? 'true' : undefined}
          />
          <datalist id="dispute-types">
            {DISPUTE_TYPE_SUGGESTIONS.map((d) => (
              <option value={d} />
            ))}
          </datalist>
        </Row>
        <Row label={fieldLabel('claimAmount')} name="claimAmount" error={e.claimAmount}>
          <Input name="claimAmount" value={v('claimAmount')} inputmode="decimal" placeholder={UI.examples.claimAmount} error={e.claimAmount} />
        </Row>
      </div>
      <Row label={fieldLabel('summary')} name="summary" required error={e.summary} wide hint={limitHint(textLimit(caseInputSchema.shape.summary))}>
        <TextArea name="summary" value={v('summary')} required rows={4} error={e.summary} maxlength={textLimit(caseInputSchema.shape.summary)} />
      </Row>
      <fieldset class="parties" data-parties>
        <legend>{UI.cases.partiesLegend}</legend>
        <p class="hint">{UI.cases.partyHint}</p>
        <input type="hidden" name="_parties" value={String(p.state.rows)} data-party-count />
        {Array.from({ length: p.state.rows }, (_, i) => (
          <div class="party-row" data-party-row={String(i)}>
            <Row label={fieldLabel('role')} name={`parties.${i}.role`} error={e[`parties.${i}.role`]}>
              <Select
                name={`parties.${i}.role`}
                value={v(`parties.${i}.role`) || (i === 0 ? 'applicant' : 'respondent')}
                options={Object.entries(PARTY_ROLE_LABELS)}
                error={e[`parties.${i}.role`]}
              />
            </Row>
            <Row label={fieldLabel('name')} name={`parties.${i}.name`} required={i === 0} error={e[`parties.${i}.name`]}>
              <Input name={`parties.${i}.name`} value={v(`parties.${i}.name`)} error={e[`parties.${i}.name`]} maxlength={textLimit(partySchema.shape.name)} />
            </Row>
            <Row label={fieldLabel('idNumber')} name={`parties.${i}.idNumber`} error={e[`parties.${i}.idNumber`]}>
              <Input name={`parties.${i}.idNumber`} value={v(`parties.${i}.idNumber`)} error={e[`parties.${i}.idNumber`]} autocomplete="off" />
            </Row>
            <Row label={fieldLabel('phone')} name={`parties.${i}.phone`} error={e[`parties.${i}.phone`]}>
              <Input name={`parties.${i}.phone`} value={v(`parties.${i}.phone`)} type="tel" error={e[`parties.${i}.phone`]} autocomplete="off" />
            </Row>
          </div>
        ))}
        <button type="button" class="secondary" data-add-party hidden>
          {UI.cases.addParty}
        </button>
      </fieldset>
      {station ? null : (
        <fieldset>
          <legend>{UI.cases.enforcementLegend}</legend>
          <div class="grid">
            <Row label={fieldLabel('enforceableDocument')} name="enforceableDocument" error={e.enforceableDocument}>
              <Input
                name="enforceableDocument"
                value={v('enforceableDocument')}
                error={e.enforceableDocument}
                placeholder={UI.examples.enforceableDocument}
                maxlength={textLimit(caseInputSchema.shape.enforceableDocument)}
              />
            </Row>
            <Row label={fieldLabel('owedAmount')} name="owedAmount" error={e.owedAmount}>
              <Input name="owedAmount" value={v('owedAmount')} inputmode="decimal" error={e.owedAmount} />
            </Row>
          </div>
        </fieldset>
      )}
    </>
  );
}

/** The form as the API's creation body; `rowOf[k]` is the form row of the k-th party sent. */
function caseBodyOf(form: FormBody, actor: Actor): { body: Record<string, unknown>; rowOf: number[]; rows: number } {
  const body: Record<string, unknown> = {};
  for (const k of ['track', 'procedure', 'source', 'stationCode', 'disputeType', 'summary', 'enforceableDocument']) {
    const v = one(form, k).trim();
    if (v) body[k] = v;
  }
  for (const k of ['claimAmount', 'owedAmount']) {
    const v = cleanMoney(one(form, k));
    if (v) body[k] = v;
  }
  const when = one(form, 'occurredAt').trim();
  if (when) body.occurredAt = fromLocalDateTime(when);
  const fixedStation = caseCreation(actor).stationCode;
  if (fixedStation !== undefined) body.stationCode = fixedStation;
  const rows = partyRowsOf(form);
  const parties: Record<string, string>[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i < rows; i++) {
    const p: Record<string, string> = {};
    for (const k of ['role', 'name', 'idNumber', 'phone']) {
      const v = one(form, `parties.${i}.${k}`).trim();
      if (v) p[k] = v;
    }
    if (!p.name && !p.idNumber && !p.phone) continue;
    parties.push(p);
    rowOf.push(i);
  }
  body.parties = parties;
  return { body, rowOf, rows };
}

/** An engine field path as the form's input: `parties.k.x` is on the form row the k-th party came from. */
function partyInputOf(field: string, rowOf: number[]): string {
  const m = /^parties\.(\d+)\.(\w+)/.exec(field);
  if (m) return `parties.${rowOf[Number(m[1])] ?? m[1]}.${m[2]}`;
  return field === 'parties' ? 'parties.0.name' : field;
}

export async function newCasePage(deps: AppDeps, c: WebContext, ctx: PageCtx, state?: NewCaseState, status: ContentfulStatusCode = 200) {
  const stations = (await listStations(deps.db)).items;
  const allowed = caseCreation(ctx.actor);
  // A form handed back after signing in again keeps what was typed and its key (one case, however often sent).
  const draft = restoredDraft(c);
  const st: NewCaseState = state ??
    (draft
      ? { values: draft, errors: {}, key: postedFormKey(draft) ?? newFormKey(), rows: partyRowsOf(draft), restored: true }
      : {
          values: { source: allowed.sources?.[0] ?? 'court_referral', track: 'pre_filing' },
          errors: {},
          key: newFormKey(),
          rows: PARTY_ROWS,
        });
  const title = allowed.stationCode !== undefined ? UI.cases.stationNewTitle : UI.cases.newTitle;
  return html(
    c,
    <NewEntityPage
      actor={ctx.actor}
      csrf={ctx.csrf}
      title={title}
      submit={UI.nav.newCase}
      active="new"
      action="/cases/new"
      cancel="/cases"
      class="new-case"
      state={st}
      label={(name) => fieldLabel(name)}
      restored={st.restored}
      intro={UI.cases.newIntro}
      occurredAtHint={UI.event.occurredAtHint}
    >
      <NewCaseFields actor={ctx.actor} state={st} stations={stations} />
    </NewEntityPage>,
    status,
  );
}

/** POST /cases/new: the case is created, or the form comes back with what was typed and why it was refused. */
export async function createCase(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const form = c.get('form');
  const { body, rowOf, rows } = caseBodyOf(form, ctx.actor);
  return formAction(
    async () => {
      const result = await createEntity(engineOf(deps, c), caseStore, ctx.actor, body, { idempotency: idempotencyOfForm(c, form, body), render: brief });
      return c.redirect(`/cases/${(result.body as { id: string }).id}?ok=created`, 303);
    },
    (r) => newCasePage(deps, c, ctx, { values: form, errors: r.errors, error: r.error, key: one(form, '_key') || newFormKey(), rows }, r.status),
    (path) => partyInputOf(path, rowOf),
  );
}

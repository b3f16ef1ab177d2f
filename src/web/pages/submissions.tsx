/**
 * 扫码联 for staff: the queue of citizens' submissions (station staff: their station's; court:
 * every station's), each opened into a case or declined with a reason; and a station's printable
 * card (编号赋码印卡) with its QR code, drawn here by the `qrcode` package (no outside service).
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import QRCode from 'qrcode';
import { publicUrlOf, type AppDeps } from '../../edge/context.js';
import { getStation } from '../../engine/directory.js';
import { Forbidden, NotFound } from '../../engine/errors.js';
import { acceptSchema, acceptSubmission, declineSchema, declineSubmission, getSubmission, listSubmissions, SUBMISSION_STATUSES } from '../../engine/submissions.js';
import type { Actor } from '../../machines/roles.js';
import { limitHint, textLimit } from '../forms.js';
import { TRACKS } from '../../machines/case.js';
import { cardRefusal, rolesFor } from '../../machines/policy.js';
import { formatDateTime } from '../../format.js';
import { TRACK_LABELS } from '../../labels.js';
import { CITIZEN, UI } from '../../words.js';
import { Csrf, ErrorBox, Facts, TextArea } from '../components.js';
import { brief, engineOf, idempotencyOfForm, newFormKey } from '../engine-call.js';
import { DRAFT_ACTION, one, restoredDraft, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { formAction, type Refused } from '../form-action.js';
import { flashOf, html, page, type PageCtx, type WebContext } from '../page.js';

type Status = (typeof SUBMISSION_STATUSES)[number];

interface QueueState {
  /** The submission whose form was refused, what was typed there, and why. */
  id: string;
  values: Record<string, string>;
  errors: Record<string, string>;
  error: { title: string; detail: string };
}

/**
 * An accept or decline sent after the session ended comes back here after the sign-in (its own
 * path has no page): what was typed, on the form of the submission it was for.
 */
function restoredState(c: WebContext): QueueState | undefined {
  const draft = restoredDraft(c);
  const id = draft ? /^\/submissions\/([^/]+)\/(?:accept|decline)$/.exec(one(draft, DRAFT_ACTION) ?? '')?.[1] : undefined;
  if (!draft || !id) return undefined;
  const values = Object.fromEntries(Object.keys(draft).map((k) => [k, one(draft, k) ?? '']));
  return { id, values, errors: {}, error: { title: UI.restored.title, detail: UI.restored.detail } };
}

type SubmissionItem = Awaited<ReturnType<typeof getSubmission>>;

/**
 * One submission as its handlers see it: what the citizen wrote, and (pending) the forms that
 * decide it. An accepted one keeps no name or phone (they are its case's parties): it names the
 * case instead, and says where they are.
 */
function SubmissionCard(p: { s: SubmissionItem; st?: QueueState; actor: Actor; csrf: string }) {
  const { s, st, actor, csrf } = p;
  const moved = s.caseId !== undefined && s.name === null;
  return (
    <section class="card submission" id={`s-${s.id}`} data-submission={s.id}>
      <div class="card-head">
        <h2>
          {s.disputeType} · {s.name ?? s.caseNumber}
        </h2>
        <span class={`badge sub-${s.status}`}>{CITIZEN.queueStatus[s.status]}</span>
      </div>
      <Facts
        items={[
          [CITIZEN.submittedAt, formatDateTime(s.submittedAt)],
          [CITIZEN.station, actor.role === 'station' ? null : s.stationName ?? s.stationCode],
          [CITIZEN.submitter, s.name],
          [CITIZEN.phone, s.phone ? <a href={`tel:${s.phone}`}>{s.phone}</a> : null],
          [CITIZEN.counterparty, s.counterparty],
          [CITIZEN.description, <span class="pre">{s.description}</span>],
          [CITIZEN.declineReason, s.declineReason ?? null],
          [
            CITIZEN.accepted,
            s.caseId ? (
              <a href={`/cases/${s.caseId}`} data-testid="case-link">
                {s.caseNumber}
              </a>
            ) : null,
          ],
        ]}
      />
      {moved ? (
        <p class="muted" data-testid="parties-in-case">
          {CITIZEN.partiesInCase}
        </p>
      ) : null}
      {st ? <ErrorBox title={st.error.title} detail={st.error.detail || undefined} /> : null}
      {s.status === 'pending' ? (
        <div class="decide">
          <form method="post" action={`/submissions/${s.id}/accept`} class="form" data-testid="accept">
            <Csrf token={csrf} />
            <input type="hidden" name="_key" value={newFormKey()} />
            <fieldset class={`row${st?.errors.track ? ' has-error' : ''}`}>
              <legend>{CITIZEN.acceptTrack}</legend>
              {TRACKS.map((t, i) => (
                <label class="choice">
                  <input type="radio" name="track" value={t} checked={(st?.values.track ?? (i === 0 ? t : '')) === t} /> {TRACK_LABELS[t]}
                </label>
              ))}
              {st?.errors.track ? <small class="field-error">{st.errors.track}</small> : null}
            </fieldset>
            <div class={`row${st?.errors.summary ? ' has-error' : ''}`}>
              <label for={`summary-${s.id}`}>{CITIZEN.acceptSummary}</label>
              <textarea name="summary" id={`summary-${s.id}`} rows={3} maxlength={textLimit(acceptSchema.shape.summary)}>
                {st?.values.summary ?? ''}
              </textarea>
              {st?.errors.summary ? <small class="field-error">{st.errors.summary}</small> : null}
            </div>
            <button type="submit" class="primary">
              {CITIZEN.accept}
            </button>
          </form>
          <form method="post" action={`/submissions/${s.id}/decline`} class="form" data-testid="decline">
            <Csrf token={csrf} />
            <div class={`row${st?.errors.reason ? ' has-error' : ''}`}>
              <label for={`reason-${s.id}`}>{CITIZEN.declineReason}</label>
              <TextArea name="reason" value={st?.values.reason} rows={2} required maxlength={textLimit(declineSchema.shape.reason)} />
              <small class="hint">{limitHint(textLimit(declineSchema.shape.reason))}</small>
              {st?.errors.reason ? <small class="field-error">{st.errors.reason}</small> : null}
            </div>
            <button type="submit" class="danger">
              {CITIZEN.decline}
            </button>
          </form>
        </div>
      ) : null}
    </section>
  );
}

async function queuePage(deps: AppDeps, c: WebContext, ctx: PageCtx, state: QueueState | undefined = restoredState(c), status: ContentfulStatusCode = 200) {
  const { actor, csrf } = ctx;
  const raw = c.req.query('status');
  const shown: Status = (SUBMISSION_STATUSES as readonly string[]).includes(raw ?? '') ? (raw as Status) : 'pending';
  const list = await listSubmissions(deps.db, actor, { status: shown, limit: 100 }, { requestId: c.get('requestId') });
  const flash = flashOf(c, { declined: CITIZEN.declined });
  return html(
    c,
    <Layout title={CITIZEN.queueTitle} actor={actor} csrf={csrf} active="submissions" flash={flash}>
      <h1>{CITIZEN.queueTitle}</h1>
      <nav class="tabs" aria-label={CITIZEN.queueTitle}>
        {SUBMISSION_STATUSES.map((s) => (
          <a href={`/submissions?status=${s}`} class={s === shown ? 'active' : undefined} aria-current={s === shown ? 'page' : undefined}>
            {CITIZEN.queueStatus[s]}
          </a>
        ))}
      </nav>
      {/* A refusal about a submission no longer in this list (decided meanwhile): said at the top. */}
      {state && !list.items.some((s) => s.id === state.id) ? <ErrorBox title={state.error.title} detail={state.error.detail || undefined} /> : null}
      {list.items.length === 0 ? <p class="muted">{CITIZEN.queueEmpty}</p> : null}
      <div class="queue" data-testid="queue">
        {list.items.map((s) => (
          <SubmissionCard s={s} st={state?.id === s.id ? state : undefined} actor={actor} csrf={csrf} />
        ))}
      </div>
    </Layout>,
    status,
  );
}

/**
 * One submission on a page of its own: where a case's history links to the submission it was
 * opened from (audit d §9). For its handlers only, as the queue (404 unknown, 403 another station's).
 */
async function submissionPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx) {
  const s = await getSubmission(deps.db, actor, c.req.param('id') ?? '', { requestId: c.get('requestId') });
  return html(
    c,
    <Layout title={CITIZEN.submissionTitle} actor={actor} csrf={csrf} active="submissions">
      <h1>{CITIZEN.submissionTitle}</h1>
      <p>
        <a href={`/submissions?status=${s.status}`}>{CITIZEN.queueTitle}</a>
      </p>
      <SubmissionCard s={s} actor={actor} csrf={csrf} />
    </Layout>,
  );
}

/** A refused accept or decline: the queue again, with the reason beside that submission. */
const refusedQueue = (deps: AppDeps, c: WebContext, ctx: PageCtx, id: string, values: Record<string, string>) => (r: Refused) =>
  queuePage(deps, c, ctx, { id, values, errors: r.errors, error: r.error }, r.status);

async function accept(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const form = c.get('form');
  const id = c.req.param('id') ?? '';
  const body: Record<string, unknown> = { track: one(form, 'track') || undefined };
  const summary = one(form, 'summary').trim();
  if (summary) body.summary = summary;
  return formAction(
    async () => {
      const result = await acceptSubmission(engineOf(deps, c), ctx.actor, id, body, { idempotency: idempotencyOfForm(c, form, body), render: brief });
      return c.redirect(`/cases/${(result.body as { id: string }).id}?ok=created`, 303);
    },
    refusedQueue(deps, c, ctx, id, { track: one(form, 'track'), summary }),
  );
}

async function decline(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const form = c.get('form');
  const id = c.req.param('id') ?? '';
  const reason = one(form, 'reason');
  return formAction(
    async () => {
      await declineSubmission(deps.db, ctx.actor, id, { reason }, { requestId: c.get('requestId') });
      return c.redirect('/submissions?ok=declined', 303);
    },
    refusedQueue(deps, c, ctx, id, { reason }),
  );
}

// ---------------------------------------------------------------------------------------------
// The station's card

/** The QR code of `url` as an SVG document (quiet zone included: scanners need it). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

function isLocalOnly(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]' || host.endsWith('.localhost');
}

async function cardPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx) {
  const code = c.req.param('code') ?? '';
  const refused = cardRefusal(actor, code);
  if (refused === 'role') throw new Forbidden('forbidden.role', { roles: rolesFor('station.card') });
  if (refused) throw new Forbidden('forbidden.card_own');
  const station = await getStation(deps.db, code);
  if (!station) throw new NotFound('not_found.station', { code });
  // A retired station's door takes nothing (engine/submissions.ts): a new card would lead nowhere.
  if (station.active === false) throw new NotFound('not_found.station_retired', { code });
  const base = publicUrlOf(deps, c);
  const target = `${base}/s/${encodeURIComponent(station.code)}`;
  const svg = await qrSvg(target);
  const sheet = c.req.query('sheet') === 'a4';
  const card = (
    <article class="station-card" data-testid="station-card">
      <header>
        <span class="card-no">
          {CITIZEN.cardNumber} <strong>{station.code}</strong>
        </span>
        <h2>{station.name}</h2>
      </header>
      <div class="card-body">
        <div class="qr" role="img" aria-label={target} dangerouslySetInnerHTML={{ __html: svg }} />
        <div class="card-text">
          <p class="scan">{CITIZEN.cardScan}</p>
          {station.hotline ? (
            <p>
              {CITIZEN.stationHotline}
              <br />
              <strong class="hotline">{station.hotline}</strong>
            </p>
          ) : null}
          {station.deputiesOnDuty.length ? (
            <div>
              {CITIZEN.onDuty}
              <ul>
                {station.deputiesOnDuty.map((d) => (
                  <li>
                    {d.name}
                    {d.schedule ? <small> {d.schedule}</small> : null}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      </div>
      <footer>
        {station.address ? <span>{station.address}</span> : null}
        <span class="url">{target}</span>
      </footer>
    </article>
  );
  return html(
    c,
    <Layout title={`${CITIZEN.cardTitle} · ${station.name}`} actor={actor} csrf={csrf} active="card">
      <div class="no-print">
        <h1>{CITIZEN.cardTitle}</h1>
        {isLocalOnly(target) ? (
          <p class="notice" role="status" data-testid="local-url">
            {CITIZEN.cardLocalUrl}
          </p>
        ) : null}
        <p class="tabs">
          <a href={`/stations/${encodeURIComponent(code)}/card`} class={sheet ? undefined : 'active'}>
            {CITIZEN.cardPrintA6}
          </a>
          <a href={`/stations/${encodeURIComponent(code)}/card?sheet=a4`} class={sheet ? 'active' : undefined}>
            {CITIZEN.cardPrintA4}
          </a>
        </p>
      </div>
      <div class={sheet ? 'card-sheet a4' : 'card-sheet a6'} data-sheet={sheet ? 'a4' : 'a6'}>
        {sheet ? [card, card, card, card] : card}
      </div>
    </Layout>,
  );
}

export function submissionPages(app: Hono<WebEnv>, deps: AppDeps) {
  const staff = { may: 'submission.handle' as const };
  app.get('/submissions', page(deps, (c, ctx) => queuePage(deps, c, ctx), staff));
  app.get('/submissions/:id', page(deps, (c, ctx) => submissionPage(deps, c, ctx), staff));
  app.post('/submissions/:id/accept', page(deps, (c, ctx) => accept(deps, c, ctx), staff));
  app.post('/submissions/:id/decline', page(deps, (c, ctx) => decline(deps, c, ctx), staff));
  app.get('/stations/:code/card', page(deps, (c, ctx) => cardPage(deps, c, ctx), { may: 'station.card' }));
}

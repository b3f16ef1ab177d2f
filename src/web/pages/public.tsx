/**
 * 扫码联 — the citizen's pages (DESIGN.md §13): `/s/:stationCode` (the form behind a station's QR
 * code), `/s/:stationCode/receipt` (the receipt, after the form) and `/status` (the look-up by
 * receipt code). No sign-in, made for phones, and plain HTML forms: they work without JavaScript.
 * Mounted before the staff's pages, so the staff's session and CSRF plumbing never runs here
 * (there is no session to protect).
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { publicStatusBody } from '../../edge/citizen.js';
import { bodyText, clientAddress, type AppDeps } from '../../edge/context.js';
import { getStation } from '../../engine/directory.js';
import { DomainError, IdempotencyMismatch, PayloadTooLarge, ValidationError } from '../../engine/errors.js';
import { groupReceipt, lookupStatus, normalizeReceipt, PUBLIC_LIMITS, submissionSchema, submit } from '../../engine/submissions.js';
import { formatDate, formatDateTime } from '../../format.js';
import { CITIZEN, ERROR_TITLES, UI } from '../../words.js';
import { Input, inputId, Row, TextArea } from '../components.js';
import { textLimit } from '../forms.js';
import { formTextChars, secure } from '../http.js';
import { html } from '../page.js';
import { idempotencyOfForm, newFormKey, postedFormKey } from '../engine-call.js';
import { sayError, sayField } from '../wording.js';

/**
 * What the form's description may hold so that the whole form stays within the 16 KiB a public
 * body may have (DESIGN §13): the API's 2,000 characters, URL-encoded, would be 18,000 bytes. The
 * other fields at their longest (name, the other side, dispute type, phone, consent, the
 * honeypot, the form's key) take under 1.6 KB: 1,600 characters of description leave room for them
 * and for line breaks (%0D%0A).
 */
const FORM_DESCRIPTION_MAX = Math.min(textLimit(submissionSchema.shape.description) ?? Infinity, formTextChars(PUBLIC_LIMITS.maxBodyBytes, 100, 1664));
/** The whole form's room in characters, as its 413 says it (about 1,700). */
const FORM_TOTAL_CHARS = formTextChars(PUBLIC_LIMITS.maxBodyBytes, 100);

type Station = NonNullable<Awaited<ReturnType<typeof getStation>>>;
type Values = Record<string, string>;
type Errors = Record<string, string>;

function securityHeaders(c: Context) {
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
}

export function PublicLayout(p: { title: string; children?: Child }) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${p.title} · ${UI.appTitle}`}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body class="public">
        <header class="public-top">
          <span class="brand-mark">{UI.appName}</span>
          <span>{UI.appTitle}</span>
        </header>
        <main class="public-main">{p.children}</main>
      </body>
    </html>
  );
}

/** A hotline as a link the phone dials when tapped. */
function Hotline(p: { hotline: string }) {
  return (
    <a href={`tel:${p.hotline.replace(/[^\d]/g, '')}`} class="hotline">
      {p.hotline}
    </a>
  );
}

function StationBox(p: { station: Station }) {
  const s = p.station;
  return (
    <section class="card station-box" data-testid="station">
      <h2>{s.name}</h2>
      <p class="muted">
        {CITIZEN.cardNumber} {s.code}
      </p>
      {s.hotline ? (
        <p>
          {CITIZEN.stationHotline}：
          <Hotline hotline={s.hotline} />
        </p>
      ) : null}
      {s.address ? (
        <p>
          {CITIZEN.stationAddress}：{s.address}
        </p>
      ) : null}
      <h3>{CITIZEN.onDuty}</h3>
      {s.deputiesOnDuty.length ? (
        <ul class="on-duty" data-testid="on-duty">
          {s.deputiesOnDuty.map((d) => (
            <li>
              <strong>{d.name}</strong>
              {d.schedule ? <span class="muted"> {d.schedule}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{CITIZEN.noOnDuty}</p>
      )}
    </section>
  );
}

function Refusal(p: { detail: string; title?: string }) {
  return (
    <div class="error-box" role="alert" data-testid="error">
      <strong>{p.title ?? CITIZEN.refused}</strong>
      <p>{p.detail}</p>
    </div>
  );
}

/** What the citizen is told about a field that needs fixing. */
const FIELD_NAMES: Record<string, string> = {
  name: CITIZEN.form.name,
  phone: CITIZEN.form.phone,
  counterparty: CITIZEN.form.counterparty,
  disputeType: CITIZEN.form.disputeType,
  description: CITIZEN.form.description,
  consent: CITIZEN.consentTitle,
};

/**
 * `formKey`: this rendering's Idempotency-Key (as every staff form has one): a double tap, or a
 * retry of a post whose answer was lost, stores the dispute once. Kept when the form is shown
 * again after a refusal (nothing was stored under it).
 */
function IntakePage(p: { station: Station; formKey: string; values?: Values; errors?: Errors; refusal?: string }) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const fields = Object.keys(e).filter((k) => FIELD_NAMES[k]);
  return (
    <PublicLayout title={CITIZEN.intakeTitle}>
      <h1>{CITIZEN.intakeTitle}</h1>
      <p>{CITIZEN.intakeLead}</p>
      <StationBox station={p.station} />
      {p.refusal || fields.length ? (
        <div class="error-box" role="alert" data-testid="error">
          <strong>{CITIZEN.refused}</strong>
          <p>{p.refusal ?? CITIZEN.nothingStored}</p>
          {fields.length ? (
            <ul>
              {fields.map((k) => (
                <li>
                  <a href={`#${inputId(k)}`}>{FIELD_NAMES[k]}</a>：{e[k]}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <form method="post" action={stationPath(p.station)} class="form public-form" data-testid="intake">
        <input type="hidden" name="_key" value={p.formKey} />
        <Row label={CITIZEN.form.name} name="name" error={e.name} required>
          <Input name="name" value={v.name} error={e.name} required autocomplete="name" maxlength={textLimit(submissionSchema.shape.name)} />
        </Row>
        <Row label={CITIZEN.form.phone} name="phone" error={e.phone} required hint={CITIZEN.form.phoneHint}>
          <Input name="phone" type="tel" value={v.phone} error={e.phone} required inputmode="tel" autocomplete="tel" />
        </Row>
        <Row label={CITIZEN.form.counterparty} name="counterparty" error={e.counterparty} required>
          <Input name="counterparty" value={v.counterparty} error={e.counterparty} required autocomplete="off" maxlength={textLimit(submissionSchema.shape.counterparty)} />
        </Row>
        <Row label={CITIZEN.form.disputeType} name="disputeType" error={e.disputeType} required>
          <select name="disputeType" id={inputId('disputeType')} required>
            <option value="">{UI.common.chooseOne}</option>
            {CITIZEN.disputeTypes.map((t) => (
              <option value={t} selected={t === v.disputeType}>
                {t}
              </option>
            ))}
          </select>
        </Row>
        <Row label={CITIZEN.form.description} name="description" error={e.description} required hint={CITIZEN.form.descriptionHint(FORM_DESCRIPTION_MAX)}>
          <TextArea name="description" value={v.description} error={e.description} required rows={6} maxlength={FORM_DESCRIPTION_MAX} />
        </Row>
        {/* The honeypot: off screen and out of the tab order; people leave it empty, robots do not. */}
        <div class="hp" aria-hidden="true">
          <label for="f-website">{CITIZEN.form.honeypot}</label>
          <input type="text" name="website" id="f-website" value="" tabindex={-1} autocomplete="off" />
        </div>
        <section class="consent" data-testid="consent-text" id="consent">
          <h2>{CITIZEN.consentTitle}</h2>
          <dl>
            {CITIZEN.consent.map(([k, text]) => (
              <>
                <dt>{k}</dt>
                <dd>{text}</dd>
              </>
            ))}
          </dl>
        </section>
        <div class={`row check${e.consent ? ' has-error' : ''}`}>
          <label>
            <input type="checkbox" name="consent" value="yes" id={inputId('consent')} required checked={v.consent === 'yes'} /> {CITIZEN.form.consent}
          </label>
          {e.consent ? (
            <small class="field-error" role="alert">
              {e.consent}
            </small>
          ) : null}
        </div>
        <button type="submit" class="primary big">
          {CITIZEN.form.submit}
        </button>
      </form>
      <p class="public-foot">
        <a href="/status">{CITIZEN.howToLookUp}</a>
      </p>
    </PublicLayout>
  );
}

function ThanksPage(p: { station: Station; receipt: string }) {
  return (
    <PublicLayout title={CITIZEN.thanksTitle}>
      <h1>{CITIZEN.thanksTitle}</h1>
      <section class="card receipt-box">
        <p>{CITIZEN.thanksLead}</p>
        <p class="muted">{CITIZEN.receipt}</p>
        <p class="receipt" data-testid="receipt">
          {groupReceipt(p.receipt)}
        </p>
        <p>{CITIZEN.receiptHint}</p>
        <p>
          {/* Not /status?receipt=…: the code is the citizen's look-up key, kept out of addresses and logs. */}
          <a class="button primary" href="/status">
            {CITIZEN.howToLookUp}
          </a>
        </p>
      </section>
      <StationBox station={p.station} />
    </PublicLayout>
  );
}

/** The receipt page opened without its cookie: from another browser, much later, or typed in. */
function NoReceiptPage(p: { station: Station }) {
  return (
    <PublicLayout title={CITIZEN.noReceiptTitle}>
      <h1>{CITIZEN.noReceiptTitle}</h1>
      <section class="card" data-testid="no-receipt">
        <p>{CITIZEN.noReceipt(RECEIPT_COOKIE_SECONDS / 60)}</p>
        <p>
          <a class="button primary" href="/status">
            {CITIZEN.howToLookUp}
          </a>
        </p>
        <p>
          <a href={stationPath(p.station)}>{CITIZEN.submitAnother}</a>
        </p>
      </section>
      <StationBox station={p.station} />
    </PublicLayout>
  );
}

/** Who to ask about a declined submission: the station it was sent to, and its hotline to tap. */
function DeclinedContact(p: { station: Station | undefined }) {
  const s = p.station;
  if (!s) return <p>{CITIZEN.declinedAskStation}</p>;
  return (
    <p data-testid="declined-contact">
      {s.hotline ? (
        <>
          {CITIZEN.declinedCall(s.name)}
          <Hotline hotline={s.hotline} />
        </>
      ) : (
        CITIZEN.declinedVisit(s.name, s.address)
      )}
    </p>
  );
}

function StatusPage(p: {
  values?: Values;
  errors?: Errors;
  refusal?: { title: string; detail: string };
  result?: ReturnType<typeof publicStatusBody>;
  /** The station the submission was sent to (said only with a declined one: whom to ask). */
  station?: Station;
}) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const r = p.result;
  return (
    <PublicLayout title={CITIZEN.lookUpTitle}>
      <h1>{CITIZEN.lookUpTitle}</h1>
      {r ? (
        <section class="card status-box" data-testid="status" data-status={r.status}>
          <p class="status-words">{CITIZEN.statusWords[r.status]}</p>
          {r.status === 'declined' ? <DeclinedContact station={p.station} /> : null}
          {r.status === 'case' && r.case ? (
            <dl class="facts">
              <dt>{CITIZEN.caseNumber}</dt>
              <dd data-testid="case-number">{r.case.number}</dd>
              <dt>{CITIZEN.caseState}</dt>
              <dd data-testid="case-state">{r.case.stateLabel}</dd>
              {r.case.nextDate ? (
                <>
                  <dt>{CITIZEN.nextDate}</dt>
                  <dd>{r.case.nextDate.length === 10 ? formatDate(r.case.nextDate) : formatDateTime(r.case.nextDate)}</dd>
                </>
              ) : null}
            </dl>
          ) : null}
        </section>
      ) : null}
      {p.refusal ? <Refusal title={p.refusal.title} detail={p.refusal.detail} /> : null}
      <p>{CITIZEN.lookUpLead}</p>
      <form method="post" action="/status" class="form public-form" data-testid="lookup">
        <Row label={CITIZEN.lookUpReceipt} name="receipt" error={e.receipt} required>
          <Input name="receipt" value={v.receipt} error={e.receipt} required autocomplete="off" />
        </Row>
        <Row label={CITIZEN.lookUpPhone} name="phone" error={e.phone} required>
          <Input name="phone" value={v.phone} error={e.phone} required inputmode="numeric" autocomplete="off" />
        </Row>
        <button type="submit" class="primary big">
          {CITIZEN.lookUpSubmit}
        </button>
      </form>
    </PublicLayout>
  );
}

/** A form body of at most `maxBytes`, refused (413) before it is read when declared larger. */
async function formOf(c: Context, maxBytes: number): Promise<Values> {
  const type = c.req.header('content-type') ?? '';
  const text = await bodyText(c, maxBytes, () => new PayloadTooLarge(maxBytes));
  if (!/^application\/x-www-form-urlencoded/i.test(type)) return {};
  const out: Values = {};
  for (const [k, v] of new URLSearchParams(text)) {
    // NUL and unpaired surrogates cannot be stored (and no one types them): dropped.
    if (!(k in out)) out[k] = v.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
  }
  return out;
}

/** The form's key as it was posted, to show the form again under it; a fresh one if it came without. */
const keyOf = (form: Values) => postedFormKey(form) ?? newFormKey();

function fieldErrorsOf(err: ValidationError): Errors {
  const out: Errors = {};
  for (const f of err.errors) if (!(f.field in out)) out[f.field] = sayField(f);
  return out;
}

/** A refusal that is not about a field: its status and the words for it. */
function refusalOf(err: unknown): { status: ContentfulStatusCode; detail: string } | null {
  if (err instanceof PayloadTooLarge) return { status: 413, detail: CITIZEN.tooLarge(FORM_TOTAL_CHARS) };
  if (err instanceof DomainError && err.code === 'too_many_requests') return { status: 429, detail: sayError(err) };
  if (err instanceof DomainError && err.code === 'unavailable') return { status: 503, detail: UI.errors.database };
  return null;
}

/**
 * After a stored submission the browser is sent (303) to the receipt page, so that a reload asks
 * for that page again instead of sending the form a second time (Post/Redirect/Get). The receipt
 * travels in this cookie, not in the address: it is the citizen's look-up key, and addresses end
 * up in histories, server logs and shared screenshots. HttpOnly and SameSite=Strict, sent only to
 * the station's own public pages, and short-lived: long enough to come back to the tab and copy
 * the code, not so long that the next person on a shared phone finds it.
 */
const RECEIPT_COOKIE = 'jf_receipt';
const RECEIPT_COOKIE_SECONDS = 30 * 60;

function stationPath(station: { code: string }): string {
  return `/s/${encodeURIComponent(station.code)}`;
}

/**
 * The receipt this browser was given at this station, if any. Shown back as it is and never
 * looked up: the page tells nobody whether a code exists, so it cannot be used to guess one.
 */
function receiptOf(c: Context): string | undefined {
  const v = getCookie(c, RECEIPT_COOKIE);
  return v && /^[0-9A-Z]{10,32}$/.test(v) ? v : undefined;
}

export function publicPages(deps: AppDeps) {
  const app = new Hono();
  app.use('/s/*', async (c, next) => {
    securityHeaders(c);
    await next();
  });
  app.use('/status', async (c, next) => {
    securityHeaders(c);
    await next();
  });

  /** No station to take a submission: unknown, or retired (its old cards still lead here: say where else to go). */
  const noStation = (c: Context, title: string, detail: string) =>
    html(
      c,
      <PublicLayout title={title}>
        <Refusal title={title} detail={detail} />
      </PublicLayout>,
      404,
    );
  const unknownStation = (c: Context) => noStation(c, ERROR_TITLES.not_found, CITIZEN.unknownStation);
  const retiredStation = (c: Context, station: Station) => noStation(c, CITIZEN.retiredStationTitle, CITIZEN.retiredStation(station.name));

  app.get('/s/:code', async (c) => {
    const station = await getStation(deps.db, c.req.param('code'));
    if (!station) return unknownStation(c);
    if (station.active === false) return retiredStation(c, station);
    return html(c, <IntakePage station={station} formKey={newFormKey()} />);
  });

  app.post('/s/:code', async (c) => {
    const station = await getStation(deps.db, c.req.param('code'));
    if (!station) return unknownStation(c);
    if (station.active === false) return retiredStation(c, station);
    let form: Values = {};
    try {
      form = await formOf(c, PUBLIC_LIMITS.maxBodyBytes);
      if (form.website) {
        return html(c, <IntakePage station={station} formKey={keyOf(form)} values={{ ...form, website: '' }} refusal={CITIZEN.honeypotFilled} />, 400);
      }
      const ctx = { db: deps.db, now: deps.now, client: clientAddress(deps, c) };
      const body = {
        stationCode: station.code,
        name: form.name ?? '',
        phone: form.phone ?? '',
        counterparty: form.counterparty ?? '',
        disputeType: form.disputeType ?? '',
        description: form.description ?? '',
        consent: form.consent === 'yes',
      };
      const { receipt } = await submit(ctx, body, idempotencyOfForm(c, form, body)).catch((err) => {
        // The same rendered form, sent again with other words (back, edit, send): a new dispute, not a repeat.
        if (err instanceof IdempotencyMismatch) return submit(ctx, body);
        throw err;
      });
      const path = stationPath(station);
      setCookie(c, RECEIPT_COOKIE, receipt, { httpOnly: true, sameSite: 'Strict', secure: secure(c), path, maxAge: RECEIPT_COOKIE_SECONDS });
      return c.redirect(`${path}/receipt`, 303);
    } catch (err) {
      if (err instanceof ValidationError) return html(c, <IntakePage station={station} formKey={keyOf(form)} values={form} errors={fieldErrorsOf(err)} />, 400);
      const r = refusalOf(err);
      if (r) return html(c, <IntakePage station={station} formKey={keyOf(form)} values={form} refusal={`${r.detail} ${CITIZEN.nothingStored}`} />, r.status);
      throw err;
    }
  });

  // Reading it writes nothing: a reload shows the same receipt again.
  app.get('/s/:code/receipt', async (c) => {
    const station = await getStation(deps.db, c.req.param('code'));
    if (!station) return unknownStation(c);
    const receipt = receiptOf(c);
    if (!receipt) return html(c, <NoReceiptPage station={station} />, 404);
    return html(c, <ThanksPage station={station} receipt={receipt} />);
  });

  app.get('/status', (c) => html(c, <StatusPage values={{ receipt: c.req.query('receipt') ? groupReceipt(normalizeReceipt(c.req.query('receipt')!)) : '' }} />));

  app.post('/status', async (c) => {
    let form: Values = {};
    try {
      form = await formOf(c, 4096);
      const status = await lookupStatus({ db: deps.db, now: deps.now, client: clientAddress(deps, c) }, { receipt: form.receipt ?? '', phone: form.phone ?? '' });
      const station = status.status === 'declined' ? await getStation(deps.db, status.stationCode) : undefined;
      return html(c, <StatusPage values={{ receipt: form.receipt }} result={publicStatusBody(status)} station={station} />);
    } catch (err) {
      const values = { receipt: form.receipt ?? '', phone: form.phone ?? '' };
      if (err instanceof ValidationError) return html(c, <StatusPage values={values} errors={fieldErrorsOf(err)} />, 400);
      if (err instanceof DomainError && err.code === 'not_found') {
        return html(c, <StatusPage values={values} refusal={{ title: CITIZEN.lookUpFailed, detail: CITIZEN.notFound }} />, 404);
      }
      const r = refusalOf(err);
      if (r) return html(c, <StatusPage values={values} refusal={{ title: CITIZEN.lookUpFailed, detail: r.detail }} />, r.status);
      throw err;
    }
  });
  return app;
}

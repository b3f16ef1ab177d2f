/**
 * The upload page for registers (DESIGN.md §14): the admin imports stations, deputies and station
 * activities, court staff cases. With script the page shows a live count while the server checks
 * and writes (the NDJSON progress of the same import as `POST /api/imports`); without it the form
 * posts and the answer is a page with the result.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { IMPORT_KIND_LABELS, IMPORT_KINDS, importFile, mayImport, type ImportKind, type ImportResult } from '../../edge/imports.js';
import { answerImport, MAX_UPLOAD_BYTES, type ImportWording } from '../../edge/import-answer.js';
import { ACTIVITY_HEADERS, CASE_HEADERS, DEPUTY_HEADERS, STATION_HEADERS } from '../../edge/registers.js';
import type { Actor } from '../../machines/roles.js';
import { can } from '../../machines/policy.js';
import { DomainError } from '../../engine/errors.js';
import { sayError } from '../wording.js';
import { Csrf, ErrorBox, RestoredNotice, Section } from '../components.js';
import { declareFormLimit, lostFiles, one, restoredDraft, type WebEnv } from '../http.js';
import { IMPORT_UI, UI } from '../../words.js';
import { Layout } from '../layout.js';
import { html, page, refusePage, type PageCtx, type WebContext } from '../page.js';

const kindsFor = (actor: Actor): ImportKind[] => [...(can(actor, 'import.directory') ? (['stations', 'deputies', 'activities'] as const) : []), ...(can(actor, 'import.cases') ? (['cases'] as const) : [])];

/** The columns a file must have, per kind (the rest of the export's columns are optional). */
const NEEDED: Record<ImportKind, string[]> = {
  stations: [STATION_HEADERS.code, STATION_HEADERS.name, STATION_HEADERS.kind, STATION_HEADERS.district],
  deputies: [DEPUTY_HEADERS.name, DEPUTY_HEADERS.level, DEPUTY_HEADERS.stationCode],
  activities: [ACTIVITY_HEADERS.stationCode, ACTIVITY_HEADERS.date, ACTIVITY_HEADERS.theme, ACTIVITY_HEADERS.content, ACTIVITY_HEADERS.votersReceived],
  cases: [CASE_HEADERS.number, CASE_HEADERS.source, CASE_HEADERS.stationCode, CASE_HEADERS.disputeType, CASE_HEADERS.summary, CASE_HEADERS.applicants, CASE_HEADERS.openedAt],
};

function Result({ result }: { result: ImportResult }) {
  const refused = !result.dryRun && result.problems.length > 0 && result.created === 0;
  return (
    <div data-testid="import-result">
      <p class={refused ? 'error' : 'ok'}>{IMPORT_UI.summary(result, refused)}</p>
      {result.problems.length ? (
        <table class="table" data-testid="import-problems">
          <thead>
            <tr>
              {IMPORT_UI.problemColumns.map((h) => (
                <th>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.problems.slice(0, 1000).map((p) => (
              <tr>
                <td>{p.row}</td>
                <td>{p.column || '—'}</td>
                <td>{p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

async function uploadPage(c: WebContext, { actor, csrf }: PageCtx, result?: ImportResult | null, error?: string, status: 200 | 400 | 413 = 200) {
  const kinds = kindsFor(actor);
  // Handed back after signing in again: the choices are kept, the file cannot be (issue 15 §6).
  const draft = restoredDraft(c);
  const kind = draft ? one(draft, 'kind') : '';
  const dryRun = draft ? one(draft, 'dryRun') === 'true' : true;
  return html(
    c,
    <Layout title={IMPORT_UI.title} actor={actor} csrf={csrf} active="imports" scripts={['/static/import.js']}>
      <h1>{IMPORT_UI.title}</h1>
      <Section title={IMPORT_UI.choose}>
        <p class="hint">
          {IMPORT_UI.formats(MAX_UPLOAD_BYTES / 1024 / 1024)}
          {IMPORT_UI.repeatSafe}
        </p>
        {draft ? <RestoredNotice lost={[UI.restored.fileNotKept(lostFiles(draft))]} /> : null}
        {error ? <ErrorBox title={IMPORT_UI.cannot} detail={error} /> : null}
        <form method="post" action="/imports" enctype="multipart/form-data" class="form" data-import>
          <Csrf token={csrf} />
          <label>
            {IMPORT_UI.kind}
            <select name="kind">
              {kinds.map((k) => (
                <option value={k} selected={k === kind}>
                  {IMPORT_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <ul class="hint" data-testid="import-columns">
            {kinds.map((k) => (
              <li>{IMPORT_UI.needed(IMPORT_KIND_LABELS[k], NEEDED[k])}</li>
            ))}
          </ul>
          <label>
            {IMPORT_UI.file}
            <input type="file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required />
          </label>
          <label class="check">
            <input type="checkbox" name="dryRun" value="true" checked={dryRun} /> {IMPORT_UI.dryRun}
          </label>
          <button type="submit" class="primary">
            {IMPORT_UI.start}
          </button>
        </form>
        <p data-import-progress data-words={JSON.stringify(IMPORT_UI.live)} hidden aria-live="polite" data-testid="import-progress"></p>
        <div data-import-result>{result ? <Result result={result} /> : null}</div>
      </Section>
    </Layout>,
    status,
  );
}

/** The live count's lines in words, and its result as the page shows it (import.js keeps no copy of either). */
const LIVE: ImportWording = {
  progress: IMPORT_UI.progress,
  result: async (result) => (await (<Result result={result} />)).toString(),
};

async function upload(deps: AppDeps, c: WebContext, ctx: PageCtx) {
  const form = c.get('form');
  const kind = one(form, 'kind') as ImportKind;
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) return uploadPage(c, ctx, null, IMPORT_UI.noKind, 400);
  mayImport(ctx.actor, kind);
  const dryRun = one(form, 'dryRun') === 'true';
  // webSession has read the form already (within this page's declared limit): the file is kept beside it.
  const file = c.get('files')?.file;
  if (!(file instanceof File) || file.size === 0) return uploadPage(c, ctx, null, IMPORT_UI.noFile, 400);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) return answerImport(c, deps, ctx.actor, kind, dryRun, bytes, true, LIVE);
  try {
    const result = await importFile(deps.db, ctx.actor, kind, bytes, { dryRun, now: ctx.now, requestId: c.get('requestId'), concurrency: 4 });
    return uploadPage(c, ctx, result, undefined, !dryRun && result.problems.length && result.created === 0 ? 400 : 200);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'validation') return uploadPage(c, ctx, null, sayError(err), 400);
    throw err;
  }
}

export function importPages(app: Hono<WebEnv>, deps: AppDeps) {
  const roles = { may: 'import.run' as const };
  app.get('/imports', page(deps, (c, ctx) => uploadPage(c, ctx), roles));
  app.post('/imports', page(deps, (c, ctx) => upload(deps, c, ctx), roles));
}

/** Over the limit: refused before the body is read (mounted ahead of the web session in app.ts). */
// The upload form carries a file: its own limit instead of the 64 KiB of other forms (DESIGN.md §10, §14).
declareFormLimit(/^\/imports$/, MAX_UPLOAD_BYTES + 64 * 1024);

export const uploadTooLarge = (c: WebContext) => refusePage(c, 413, 'validation', IMPORT_UI.tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024));

/**
 * An import answered (DESIGN.md §14), for the JSON API and the web's upload page alike: JSON, or
 * NDJSON progress lines and the result last.
 */
import type { Context } from 'hono';
import type { Actor } from '../machines/roles.js';
import { DomainError } from '../engine/errors.js';
import { messageOf } from '../messages.js';
import type { AppDeps } from './context.js';
import { statusOf } from './errors.js';
import { importFile, type ImportKind, type ImportProgress, type ImportResult } from './imports.js';

/** An upload larger than this is refused before it is read: 20 MiB holds some 70,000 cases as CSV. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** The result line of a stream, or the answer: 200 with the result; a real import refused row by row is a 400 naming every problem. */
function finished(result: ImportResult) {
  if (!result.dryRun && result.problems.length && result.created === 0) {
    return {
      status: 400 as const,
      body: {
        type: 'urn:jiefen:problem:validation',
        title: '请求内容有误',
        status: 400,
        detail: `文件中有 ${result.problems.length} 处问题，未导入任何记录；请修改后重新导入（可先试导入检查）`,
        ...result,
      },
    };
  }
  return { status: 200 as const, body: result };
}

/** For the web page's live count: each progress line and the result also in words (`text`, `html`). */
export interface ImportWording {
  progress(p: ImportProgress): string;
  result(r: ImportResult): Promise<string>;
}

/**
 * Runs an import for `actor` and answers it: JSON, or with `stream` a body of NDJSON lines —
 * `{"progress": …}` while it runs, then `{"result": …}` or `{"problem": …}`; with `wording`
 * (the web), progress lines carry their `text` and the result line its `html`.
 */
export async function answerImport(
  c: Context,
  deps: AppDeps,
  actor: Actor,
  kind: ImportKind,
  dryRun: boolean,
  bytes: Uint8Array,
  stream: boolean,
  wording?: ImportWording,
): Promise<Response> {
  const opts = { dryRun, now: deps.now?.(), requestId: c.get('requestId' as never) as string | undefined, concurrency: 4 };
  if (!stream) {
    const { status, body } = finished(await importFile(deps.db, actor, kind, bytes, opts));
    return status === 200 ? c.json(body) : c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json; charset=utf-8' });
  }
  const encoder = new TextEncoder();
  let last = 0;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const line = (v: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(v)}\n`));
      const onProgress = (p: ImportProgress) => {
        const now = Date.now();
        // At most ten lines a second, and always the phase changes.
        if (p.phase === 'done' || now - last >= 100 || p.done === 0) {
          last = now;
          line(wording ? { progress: p, text: wording.progress(p) } : { progress: p });
        }
      };
      try {
        const result = await importFile(deps.db, actor, kind, bytes, { ...opts, onProgress });
        const body = finished(result).body;
        line(wording ? { result: body, html: await wording.result(result) } : { result: body });
      } catch (err) {
        if (err instanceof DomainError) line({ problem: { status: statusOf(err), detail: messageOf(err.reason, err.params), ...err.extra } });
        else {
          deps.log('unhandled error', { path: c.req.path, error: (err as Error)?.stack ?? String(err) });
          line({ problem: { status: 500, detail: '服务器内部错误，已记录；请联系管理员' } });
        }
      }
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
}


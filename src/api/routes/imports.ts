/**
 * `POST /api/imports?kind=stations|deputies|activities|cases&dryRun=true` (DESIGN.md §14): the file
 * as multipart (`file`) or as the raw body, at most MAX_UPLOAD_BYTES (413 beyond). Admin; court for
 * cases. `Accept: application/x-ndjson` streams the progress, one JSON line per step, the result
 * last — what the web's upload page shows as a live count.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import { IMPORT_KINDS, ImportFileError, mayImport } from '../../edge/imports.js';
import { answerImport, MAX_UPLOAD_BYTES } from '../../edge/import-answer.js';
import { problem } from '../problem.js';
import { doc } from '../openapi.js';
import type { AppDeps, Env } from '../context.js';


export const importQuery = z.object({
  kind: z.enum(IMPORT_KINDS, { message: '须为 stations、deputies、activities 或 cases' }),
  dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** 413 in problem+json, in Chinese. */
export const tooLarge = (c: Context) =>
  problem(c, 413, 'too_large', '文件过大', `上传的文件不能超过 ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB；更大的文件请拆分，或由管理员用命令 npm run import 导入`);

/** The uploaded file's bytes: the `file` part of a multipart form, or the body itself. */
export async function uploadedBytes(c: Context): Promise<Uint8Array> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) throw new ImportFileError('no_file');
    return new Uint8Array(await file.arrayBuffer());
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

export function importRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.post(
    '/',
    doc({
      summary: '导入登记簿（联络站、人大代表、履职记录、案件）',
      description: '文件为 .xlsx 或 .csv（UTF-8 或 GBK），列与本系统导出的列表相同。dryRun=true 只检查并列出每行的问题，不写入。系统管理员导入目录，法院工作人员导入案件。Accept: application/x-ndjson 时逐行返回进度。',
      tags: ['导入'],
      query: importQuery,
      rawBody: {
        description: `文件本身，或 multipart 表单字段 file；不超过 ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`,
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } } },
      },
      ok: { status: 200, description: '{kind, dryRun, total, created, skipped, problems: [{row, column, message}]}', content: { 'application/json': { schema: { type: 'object' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
      errors: [400, 403, 413],
    }),
    // Who and what first: a refusal needs no upload.
    async (c, next) => {
      const q = importQuery.safeParse(c.req.query());
      if (!q.success) throw new ValidationError('invalid.query', fieldErrors(q.error));
      mayImport(c.get('actor'), q.data.kind);
      await next();
    },
    bodyLimit({ maxSize: MAX_UPLOAD_BYTES, onError: tooLarge }),
    async (c) => {
      const q = importQuery.parse(c.req.query());
      const stream = (c.req.header('accept') ?? '').includes('application/x-ndjson');
      return answerImport(c, deps, c.get('actor'), q.kind, q.dryRun, await uploadedBytes(c), stream);
    },
  );
  return app;
}

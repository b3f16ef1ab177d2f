/**
 * 扫码联 over JSON (DESIGN.md §13): the public door (no sign-in) and the stations' queue.
 * Thin: validate, call the engine verb, render.
 */
import { Hono } from 'hono';
import { doc } from '../openapi.js';
import { publicStatusBody } from '../../edge/citizen.js';
import { clientAddress } from '../../edge/context.js';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import {
  acceptSubmission,
  declineSubmission,
  getSubmission,
  listSubmissions,
  lookupStatus,
  PUBLIC_LIMITS,
  acceptSchema,
  declineSchema,
  lookupSchema,
  submissionListQuery,
  submissionSchema,
  submit,
} from '../../engine/submissions.js';
import { renderCase, replayedCaseAnswer } from '../../engine/views.js';
import { engineCtx, idempotencyOf, jsonBody, onceAnswer, type AppDeps, type Env } from '../context.js';

/** `/api/public/*`: mounted before the bearer-token check, so no sign-in is asked for. */
export function publicApiRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    await next();
    // What a citizen typed and what is answered about it is nobody else's to keep.
    c.header('Cache-Control', 'no-store');
  });
  app.post('/submissions', doc({ summary: '市民扫码提交纠纷（无需登录）', description: '扫码联（DESIGN.md §13）：提交纠纷，须同意个人信息处理；同一手机号每日 5 次、同一地址每小时 20 次，超过 16 KiB 的请求体被拒绝。返回查询码 receipt。带 Idempotency-Key 重发同一内容，答复第一次的查询码，不再保存。', tags: ['扫码联'], public: true, body: submissionSchema, ok: { status: 201, description: '{receipt}' }, errors: [400, 404, 413, 422, 429] }), async (c) => {
    const body = await jsonBody(c, PUBLIC_LIMITS.maxBodyBytes);
    const { receipt, replayed } = await submit({ db: deps.db, now: deps.now, client: clientAddress(deps, c) }, body, idempotencyOf(c, body));
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ receipt }, 201);
  });
  app.get('/status', doc({ summary: '市民查询办理进度（无需登录）', description: '查询码加手机号后 4 位：只答状态、案号、状态说明和下一日期；不匹配与查询码不存在的回答完全相同（404）。', tags: ['扫码联'], public: true, query: lookupSchema, ok: { status: 200, description: '{status, case?}' }, errors: [400, 404, 429] }), async (c) => {
    const status = await lookupStatus(
      { db: deps.db, now: deps.now, client: clientAddress(deps, c) },
      { receipt: c.req.query('receipt') ?? '', phone: c.req.query('phone') ?? '' },
    );
    return c.json(publicStatusBody(status));
  });
  return app;
}

/** `/api/submissions`: the queue, for court staff and the station's own staff. */
export function submissionRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  const now = () => deps.now?.() ?? new Date();
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.get('/', doc({ summary: '扫码来件列表', description: '法院工作人员看全部联络站，联络站工作人员只看本站。已立案的来件不再保存提交人姓名、手机号码和对方姓名（已转入案件当事人，name、phone、counterparty 为 null），只给出案件 caseId、caseNumber。', tags: ['扫码联'], query: submissionListQuery, ok: { status: 200, description: '{items, nextCursor}' }, errors: [400, 403] }), async (c) => {
    const parsed = submissionListQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError('invalid.list_query', fieldErrors(parsed.error));
    return c.json(await listSubmissions(deps.db, c.get('actor'), parsed.data, { requestId: c.get('requestId') }));
  });
  app.get('/:id', doc({ summary: '一件扫码来件', description: '已立案的来件：name、phone、counterparty 为 null（已转入案件当事人），给出案件 caseId、caseNumber；读取它不记入个人信息访问日志。', tags: ['扫码联'], params: { id: '来件 id' }, ok: { status: 200, description: '来件' }, errors: [403, 404] }), async (c) => c.json(await getSubmission(deps.db, c.get('actor'), c.req.param('id'), { requestId: c.get('requestId') })));
  app.post('/:id/accept', doc({ summary: '受理来件：立案', description: '以来件立案（来源 qr_code，当事人取自来件，occurredAt 为提交时间），返回案件。', tags: ['扫码联'], params: { id: '来件 id' }, body: acceptSchema, ok: { status: 201, description: '案件' }, errors: [400, 403, 404, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    const actor = c.get('actor');
    const result = await acceptSubmission(engineCtx(deps, c), actor, c.req.param('id'), body, {
      idempotency: idempotencyOf(c, body),
      render: (w) => renderCase(actor, w, { now: now(), requestId: c.get('requestId') }),
    });
    // A replay: the stored answer keeps no personal data; the parties are read again, as for POST /api/cases.
    const created = (result.replayed ? await replayedCaseAnswer(deps.db, actor, result.body, { now: now(), requestId: c.get('requestId') }) : result.body) as { id: string };
    c.header('Location', `/api/cases/${created.id}`);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(created, 201);
  });
  app.post('/:id/decline', doc({ summary: '不予受理来件', tags: ['扫码联'], params: { id: '来件 id' }, body: declineSchema, ok: { status: 200, description: '来件' }, errors: [400, 403, 404, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await declineSubmission(deps.db, c.get('actor'), c.req.param('id'), body, { requestId: c.get('requestId'), idempotency: idempotencyOf(c, body) }));
  });
  return app;
}

/** GET /api/me/todo (DESIGN §11): what the signed-in user should do next, most urgent first. */
import { Hono } from 'hono';
import { doc } from '../openapi.js';
import { myTodo } from '../../engine/todo.js';
import type { AppDeps, Env } from '../context.js';

export function todoRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/', doc({ summary: '我的待办', description: '按角色列出下一步要办的事，最紧急的在前（DESIGN.md §11）。', tags: ['法定期间'], ok: { status: 200, description: '{items}' } }), async (c) => c.json(await myTodo(deps.db, c.get('actor'), { now: deps.now?.() ?? new Date(), warningDays: deps.warningDays })));
  return app;
}

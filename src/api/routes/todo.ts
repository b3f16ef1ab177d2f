/** GET /api/me/todo (DESIGN §11): what the signed-in user should do next, most urgent first. */
import { Hono } from 'hono';
import { myTodo } from '../../engine/todo.js';
import type { AppDeps, Env } from '../context.js';

export function todoRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/', async (c) => c.json(await myTodo(deps.db, c.get('actor'), { now: deps.now?.() ?? new Date(), warningDays: deps.warningDays })));
  return app;
}

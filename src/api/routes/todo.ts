/** GET /api/me/todo (DESIGN §11): what the signed-in user should do next, most urgent first. */
import { Hono } from 'hono';
import { doc } from '../openapi.js';
import { myTodo, type TodoItem } from '../../engine/todo.js';
import { todoTitle } from '../../words.js';
import type { AppDeps, Env } from '../context.js';

export function todoRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/', doc({ summary: '我的待办', description: '按角色列出下一步要办的事，最紧急的在前（DESIGN.md §11）。', tags: ['法定期间'], ok: { status: 200, description: '{items}' } }), async (c) => {
    const { items } = await myTodo(deps.db, c.get('actor'), { now: deps.now?.() ?? new Date(), warningDays: deps.warningDays });
    return c.json({ items: items.map(todoAnswer) });
  });
  return app;
}

/** An item as DESIGN §11 shows it: its line in words (`title`) in place of what it is about. */
function todoAnswer(item: TodoItem) {
  const { kind, entity, subject: _, ...rest } = item;
  return { kind, entity, title: todoTitle(item), ...rest };
}

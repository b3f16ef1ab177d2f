/** The machines as data and as diagrams (DESIGN.md §6): read-only, any signed-in role. */
import { Hono } from 'hono';
import { caseDiagram, machineDescription } from '../../engine/machines.js';
import type { AppDeps, Env } from '../context.js';

export function machineRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/machines/:name', (c) => c.json(machineDescription(c.req.param('name'))));
  app.get('/cases/:id/diagram', async (c) => c.json(await caseDiagram(deps.db, c.get('actor'), c.req.param('id'))));
  return app;
}

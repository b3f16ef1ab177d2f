/** The machines as data and as diagrams (DESIGN.md §6): read-only, any signed-in role. */
import { Hono } from 'hono';
import { caseDiagram, machineDescription } from '../../engine/machines.js';
import type { AppDeps, Env } from '../context.js';
import { isMachineName } from '../../machines/diagram.js';
import { MACHINE_LABELS } from '../../labels.js';
import { labelled } from '../labelled.js';

export function machineRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/machines/:name', (c) => {
    const name = c.req.param('name');
    return c.json(machineDescription(name, isMachineName(name) ? MACHINE_LABELS[name] : undefined));
  });
  app.get('/cases/:id/diagram', async (c) => c.json(labelled(await caseDiagram(deps.db, c.get('actor'), c.req.param('id'), MACHINE_LABELS.case))));
  return app;
}

/** The machines as data and as diagrams (DESIGN.md §6): read-only, any signed-in role. */
import { Hono } from 'hono';
import { caseDiagram, machineDescription } from '../../engine/machines.js';
import type { AppDeps, Env } from '../context.js';
import { doc } from '../openapi.js';
import { isMachineName } from '../../machines/diagram.js';
import { MACHINE_LABELS } from '../../labels.js';
import { labelled } from '../labelled.js';

export function machineRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/machines/:name', doc({ summary: '状态机（数据与 Mermaid 状态图）', tags: ['状态机'], params: { name: 'case 或 supervision' }, ok: { status: 200, description: 'machine' }, errors: [404] }), (c) => {
    const name = c.req.param('name');
    return c.json(machineDescription(name, isMachineName(name) ? MACHINE_LABELS[name] : undefined));
  });
  app.get('/cases/:id/diagram', doc({ summary: '案件的状态图（当前状态高亮）', tags: ['案件'], params: { id: '案件 id' }, ok: { status: 200, description: 'diagram' }, errors: [403, 404] }), async (c) => c.json(labelled(await caseDiagram(deps.db, c.get('actor'), c.req.param('id'), MACHINE_LABELS.case))));
  return app;
}

/**
 * Cases: the list with filters, the new-case form, the case page (parties, state in words,
 * deadlines, timeline, diagram, actions) and one form per event. Reads are the engine's views
 * (masked by role); every change is `createEntity` / `applyEvent`.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../../edge/context.js';
import type { WebEnv } from '../../http.js';
import { page } from '../../page.js';
import { listPage } from './list.js';
import { createCase, newCasePage } from './new.js';
import { casePage } from './show.js';
import { caseEvents } from './event.js';
import { eventPages } from '../../event-page.js';

export function casePages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/cases', page(deps, (c, ctx) => listPage(deps, c, ctx)));
  app.get('/cases/new', page(deps, (c, ctx) => newCasePage(deps, c, ctx), { may: 'case.create' }));
  app.post('/cases/new', page(deps, (c, ctx) => createCase(deps, c, ctx), { may: 'case.create' }));
  app.get('/cases/:id', page(deps, (c, ctx) => casePage(deps, c, ctx)));
  eventPages(app, deps, caseEvents);
}

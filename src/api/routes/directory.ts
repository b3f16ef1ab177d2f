import { Hono } from 'hono';
import { createDeputy, createStation, createUser, listDeputies, listStations, listUsers } from '../../engine/directory.js';
import { jsonBody, requestMeta, type AppDeps, type Env } from '../context.js';

export function directoryRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.post('/stations', async (c) => c.json(await createStation(deps.db, c.get('actor'), await jsonBody(c), requestMeta(c)), 201));
  app.get('/stations', async (c) => c.json(await listStations(deps.db)));
  app.post('/deputies', async (c) => c.json(await createDeputy(deps.db, c.get('actor'), await jsonBody(c), requestMeta(c)), 201));
  app.get('/deputies', async (c) => c.json(await listDeputies(deps.db, c.req.query('stationCode'), c.get('actor'))));
  app.post('/users', async (c) => c.json(await createUser(deps.db, c.get('actor'), await jsonBody(c), requestMeta(c)), 201));
  app.get('/users', async (c) => c.json(await listUsers(deps.db, c.get('actor'))));
  app.get('/me', (c) => c.json(c.get('actor')));
  return app;
}

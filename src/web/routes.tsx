/**
 * The web interface, served by the same process at `/` (composed with the JSON API in src/app.ts). A second thin
 * adapter beside the JSON API: pages read the engine's views and write only through
 * `createEntity` / `applyEvent` and the directory verbs. Nothing here is loaded from another
 * host: the stylesheet, the two small scripts and ECharts are served from this process.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { contextStorage } from 'hono/context-storage';
import type { AppDeps } from '../edge/context.js';
import { ERROR_TITLES, UI } from '../words.js';
import { ErrorBox } from './components.js';
import { isWebPath, webSession, type WebEnv } from './http.js';
import { Layout } from './layout.js';
import { html, refusePage } from './page.js';
import { downloadPages } from './downloads.js';
import { adminPages } from './pages/admin.js';
import { importPages } from './pages/imports.js';
import { auditPages } from './pages/audit.js';
import type { TokenCache } from '../engine/directory.js';
import { activityPages } from './pages/activities.js';
import { authPages, signInAgain } from './pages/auth.js';
import { casePages } from './pages/cases/index.js';
import { dashboardPages } from './pages/dashboard.js';
import { submissionPages } from './pages/submissions.js';
import { legalTimePages } from './pages/legal-time.js';
import { notificationPages } from './pages/notifications.js';
import { unreadCount } from '../engine/notify/inbox.js';
import { supervisionPages } from './pages/supervisions.js';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(path: string, type: string): () => Asset {
  let cached: Asset | undefined;
  return () => {
    if (!cached) {
      const body = readFileSync(path);
      cached = { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    return cached;
  };
}

/** ECharts from node_modules (its package exports do not list dist/, so resolve the package root). */
function echartsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('echarts/package.json')), 'dist', 'echarts.min.js');
}

const ASSETS: Record<string, () => Asset> = {
  'app.css': asset(join(STATIC_DIR, 'app.css'), 'text/css; charset=utf-8'),
  'app.js': asset(join(STATIC_DIR, 'app.js'), 'text/javascript; charset=utf-8'),
  'dashboard.js': asset(join(STATIC_DIR, 'dashboard.js'), 'text/javascript; charset=utf-8'),
  'import.js': asset(join(STATIC_DIR, 'import.js'), 'text/javascript; charset=utf-8'),
  'echarts.min.js': asset(echartsPath(), 'text/javascript; charset=utf-8'),
};

export function webRoutes(deps: AppDeps, tokens?: TokenCache) {
  const web = new Hono<WebEnv>();
  // The page frame reads this request's context (the header's unread count) without every page passing it.
  web.use('*', contextStorage());
  web.use('*', webSession(deps, refusePage, signInAgain));
  web.use('*', async (c, next) => {
    const session = c.get('session');
    if (session && c.req.method === 'GET' && isWebPath(c.req.path) && !c.req.path.startsWith('/static/')) {
      c.set('unread', await unreadCount(deps.db, session.actor));
    }
    await next();
  });

  web.get('/static/:name', (c) => {
    const load = ASSETS[c.req.param('name')];
    if (!load) return c.notFound();
    const a = load();
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304);
    return c.body(new Uint8Array(a.body), 200, { 'content-type': a.type, etag: a.etag, 'cache-control': 'public, max-age=3600' });
  });

  authPages(web, deps);
  downloadPages(web, deps); // before the pages: /cases/download is not a case id
  casePages(web, deps);
  supervisionPages(web, deps);
  dashboardPages(web, deps);
  activityPages(web, deps);
  adminPages(web, deps, tokens);
  importPages(web, deps);
  submissionPages(web, deps);
  auditPages(web, deps);
  legalTimePages(web, deps);
  notificationPages(web, deps);

  // Any other page: a 404 page for people; unknown /api paths keep the API's problem+json.
  web.all('*', (c) => {
    if (!isWebPath(c.req.path)) return c.notFound();
    const session = c.get('session');
    return html(
      c,
      <Layout title={ERROR_TITLES.not_found} actor={session?.actor} csrf={session?.csrfToken}>
        <ErrorBox title={ERROR_TITLES.not_found} detail={UI.errors.notFoundPage} />
        <p>
          <a href="/">{UI.errors.roleHome}</a>
        </p>
      </Layout>,
      404,
    );
  });
  return web;
}

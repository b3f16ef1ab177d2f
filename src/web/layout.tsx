/** The page frame: header with the role's navigation, the signed-in user, sign-out; flash; main. */
import type { Child } from 'hono/jsx';
import { tryGetContext } from 'hono/context-storage';
import type { Actor } from '../machines/roles.js';
import { ROLE_LABELS } from '../labels.js';
import { CITIZEN, UI } from '../words.js';
import type { WebEnv } from './http.js';

export interface NavItem {
  href: string;
  label: string;
  key: string;
}

/** Each role's menu, in the order they use it (the admin reads no case: DESIGN.md §10). */
const MENUS: Record<string, string[]> = {
  court: ['cases', 'new', 'overdue', 'submissions', 'supervisions', 'dashboard', 'imports', 'todo'],
  station: ['cases', 'new', 'submissions', 'activities', 'card', 'todo'],
  deputy: ['cases', 'todo'],
  committee: ['dashboard', 'overdue', 'cases', 'supervisions', 'audit', 'todo'],
  admin: ['users', 'stations', 'deputies', 'webhooks', 'calendar', 'imports', 'audit'],
};

/** Where each menu entry leads and what it says, for this user (their cases, their station). */
function entries(actor: Actor): Record<string, [href: string, label: string]> {
  const n = UI.nav;
  const station = `/stations/${encodeURIComponent(actor.stationCode ?? '')}`;
  const cases = actor.role === 'deputy' ? n.myCases : actor.role === 'station' ? n.stationCases : n.cases;
  return {
    cases: ['/cases', cases], new: ['/cases/new', n.newCase], overdue: ['/cases?overdue=true', n.overdue],
    submissions: ['/submissions', CITIZEN.queueNav], supervisions: ['/supervisions', n.supervisions], dashboard: ['/dashboard', n.dashboard],
    imports: ['/imports', n.imports], todo: ['/todo', n.todo], audit: ['/audit', n.audit],
    activities: [`${station}/activities`, n.activities], card: [`${station}/card`, CITIZEN.cardNav],
    users: ['/admin/users', n.users], stations: ['/admin/stations', n.stations], deputies: ['/admin/deputies', n.deputies],
    webhooks: ['/admin/webhooks', n.webhooks], calendar: ['/admin/calendar', n.calendar],
  };
}

/** What each role works on, in the order they use it. */
export function navFor(actor: Actor): NavItem[] {
  const all = entries(actor);
  return (MENUS[actor.role] ?? []).map((key) => ({ href: all[key][0], label: all[key][1], key }));
}

export function homeOf(actor: Actor): string {
  return navFor(actor)[0]?.href ?? '/login';
}

/** 消息 and the unread count (set per request by the web routes; absent outside a request). */
function InboxLink() {
  const unread = tryGetContext<WebEnv>()?.get('unread') ?? 0;
  return (
    <a href="/notifications" class="inbox-link" data-testid="inbox-link" aria-label={UI.inbox.linkLabel(unread)}>
      {UI.inbox.nav}
      {unread > 0 ? (
        <span class="badge unread" data-testid="unread">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </a>
  );
}

export interface LayoutProps {
  title: string;
  actor?: Actor | null;
  csrf?: string;
  active?: string;
  flash?: string | null;
  /** Something to know about what the page shows (not a success: no green). */
  note?: string | null;
  scripts?: string[];
  wide?: boolean;
  children?: Child;
}

export function Layout(p: LayoutProps) {
  const nav = p.actor ? navFor(p.actor) : [];
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · ${UI.appName} ${UI.appTitle}`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer></script>
        {(p.scripts ?? []).map((s) => (
          <script src={s} defer></script>
        ))}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            <span class="brand-mark">{UI.appName}</span>
            <span class="brand-text">
              <strong>{UI.appTitle}</strong>
              <small>{UI.appSubtitle}</small>
            </span>
          </a>
          {p.actor ? (
            <nav class="main-nav" aria-label={UI.nav.label}>
              {nav.map((item) => (
                <a href={item.href} class={item.key === p.active ? 'active' : undefined} aria-current={item.key === p.active ? 'page' : undefined}>
                  {item.label}
                </a>
              ))}
            </nav>
          ) : null}
          {p.actor ? (
            <div class="who">
              <span class="who-name" data-testid="who">
                {p.actor.name}
                <small>{ROLE_LABELS[p.actor.role] ?? p.actor.role}</small>
              </span>
              <InboxLink />
              <a href="/password">{UI.nav.password}</a>
              <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value={p.csrf ?? ''} />
                <button type="submit" class="link">
                  {UI.nav.signOut}
                </button>
              </form>
            </div>
          ) : null}
        </header>
        <main class={p.wide ? 'wide' : undefined}>
          {p.flash ? (
            <p class="flash ok" role="status">
              {p.flash}
            </p>
          ) : null}
          {p.note ? (
            <p class="flash note" role="status" data-testid="page-note">
              {p.note}
            </p>
          ) : null}
          {p.children}
        </main>
      </body>
    </html>
  );
}

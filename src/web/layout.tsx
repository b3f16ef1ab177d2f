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

/** What each role works on, in the order they use it. */
export function navFor(actor: Actor): NavItem[] {
  const n = UI.nav;
  switch (actor.role) {
    case 'court':
      return [
        { href: '/cases', label: n.cases, key: 'cases' },
        { href: '/cases/new', label: n.newCase, key: 'new' },
        { href: '/cases?overdue=true', label: n.overdue, key: 'overdue' },
        { href: '/submissions', label: CITIZEN.queueNav, key: 'submissions' },
        { href: '/supervisions', label: n.supervisions, key: 'supervisions' },
        { href: '/dashboard', label: n.dashboard, key: 'dashboard' },
        { href: '/imports', label: n.imports, key: 'imports' },
        { href: '/todo', label: n.todo, key: 'todo' },
      ];
    case 'station':
      return [
        { href: '/cases', label: n.stationCases, key: 'cases' },
        { href: '/cases/new', label: n.newCase, key: 'new' },
        { href: '/submissions', label: CITIZEN.queueNav, key: 'submissions' },
        { href: `/stations/${encodeURIComponent(actor.stationCode ?? '')}/activities`, label: n.activities, key: 'activities' },
        { href: `/stations/${encodeURIComponent(actor.stationCode ?? '')}/card`, label: CITIZEN.cardNav, key: 'card' },
        { href: '/todo', label: n.todo, key: 'todo' },
      ];
    case 'deputy':
      return [
        { href: '/cases', label: n.myCases, key: 'cases' },
        { href: '/todo', label: n.todo, key: 'todo' },
      ];
    case 'committee':
      return [
        { href: '/dashboard', label: n.dashboard, key: 'dashboard' },
        { href: '/cases?overdue=true', label: n.overdue, key: 'overdue' },
        { href: '/cases', label: n.cases, key: 'cases' },
        { href: '/supervisions', label: n.supervisions, key: 'supervisions' },
        { href: '/audit', label: n.audit, key: 'audit' },
        { href: '/todo', label: n.todo, key: 'todo' },
      ];
    case 'admin':
      return [
        { href: '/admin/users', label: n.users, key: 'users' },
        { href: '/admin/stations', label: n.stations, key: 'stations' },
        { href: '/admin/deputies', label: n.deputies, key: 'deputies' },
        { href: '/admin/webhooks', label: n.webhooks, key: 'webhooks' },
        { href: '/admin/calendar', label: n.calendar, key: 'calendar' },
        { href: '/imports', label: n.imports, key: 'imports' },
        { href: '/audit', label: n.audit, key: 'audit' },
        // No cases: the admin manages the directory but reads no case (DESIGN.md §10).
      ];
    default:
      return [];
  }
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
          {p.children}
        </main>
      </body>
    </html>
  );
}

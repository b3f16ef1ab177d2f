/** The admin's pages: stations, deputies, users (with their sign-in names and initial passwords). */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import {
  createDeputy,
  createStation,
  createUser,
  DEPUTY_LEVELS,
  listDeputies,
  listStations,
  listUsers,
  getUser,
  rotateToken,
  setPassword,
  STATION_KINDS,
  updateUser,
  type TokenCache,
} from '../../engine/directory.js';
import { requestMeta } from '../../edge/context.js';
import { DomainError, ValidationError } from '../../engine/errors.js';
import { ROLES } from '../../machines/roles.js';
import { formatDate } from '../../format.js';
import { fieldLabel, ROLE_LABELS, valueLabel } from '../../labels.js';
import { CITIZEN, UI } from '../../words.js';
import { Csrf, ErrorBox, Input, RestoredNotice, Row, Section, Select, TextArea, type FieldErrorMap } from '../components.js';
import { one, restoredDraft, type FormBody, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { html, page, type PageCtx, type WebContext } from '../page.js';
import { formAction } from '../form-action.js';
import { Table } from '../table.js';
import { DownloadLinks } from '../downloads.js';
import { deputyOptions, shownName, stationOptions } from '../choices.js';

interface FormState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  /** Shown once after a user is created: their API token. */
  token?: string;
  /** Shown once after a token was replaced. */
  newToken?: string;
  flash?: string | null;
  /** Handed back after signing in again (issue 15 §6): the notice above the form. */
  restored?: boolean;
}

const blank: FormState = { values: {}, errors: {} };

/** The form as typed before the session ended, when this page is the sign-in bringing the user back. */
function restoredState(c: WebContext): FormState | undefined {
  const draft = restoredDraft(c);
  return draft ? { values: draft, errors: {}, restored: true } : undefined;
}

const notFound = (err: unknown) => err instanceof DomainError && err.code === 'not_found';

function errorList(st: FormState, scope: string) {
  return st.error ? (
    <ErrorBox title={st.error.title} detail={st.error.detail} fields={Object.entries(st.errors).map(([name, message]) => ({ name, message, label: fieldLabel(name, scope) }))} />
  ) : null;
}

// ---------------------------------------------------------------------------------------------

async function stationsPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const stations = await listStations(deps.db);
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  return html(
    c,
    <Layout title={UI.admin.stationsTitle} actor={actor} csrf={csrf} active="stations" flash={st.flash ?? (c.req.query('ok') === 'station' ? UI.admin.stationCreated : null)} wide>
      <div class="page-head">
        <h1>{UI.admin.stationsTitle}</h1>
        <DownloadLinks href="/admin/stations/download" />
      </div>
      <div class="columns">
        <div class="col-main">
          <Table
            testid="stations"
            rows={stations.items}
            columns={[
              { label: fieldLabel('code'), class: 'mono', cell: (s) => s.code },
              { label: fieldLabel('name', 'station'), head: true, cell: (s) => s.name },
              { label: fieldLabel('kind', 'station'), cell: (s) => valueLabel('kind', s.kind, 'station') },
              { label: fieldLabel('district'), cell: (s) => s.district },
              {
                label: '',
                cell: (s) => (
                  <>
                    <a href={`/stations/${encodeURIComponent(s.code)}/activities`}>{UI.nav.activities}</a>{' '}
                    <a href={`/stations/${encodeURIComponent(s.code)}/card`}>{CITIZEN.cardNav}</a>
                  </>
                ),
              },
            ]}
          />
        </div>
        <div class="col-side">
          <Section title={UI.admin.addStation}>
            {st.restored ? <RestoredNotice /> : null}
            <form method="post" action="/admin/stations" class="form">
              {errorList(st, 'station')}
              <Csrf token={csrf} />
              <Row label={fieldLabel('code')} name="code" required error={e.code}>
                <Input name="code" value={v('code')} required error={e.code} placeholder={UI.examples.stationCode} />
              </Row>
              <Row label={fieldLabel('name', 'station')} name="name" required error={e.name}>
                <Input name="name" value={v('name')} required error={e.name} placeholder={UI.examples.stationName} />
              </Row>
              <Row label={fieldLabel('kind', 'station')} name="kind" required error={e.kind}>
                <Select name="kind" value={v('kind')} required error={e.kind} options={STATION_KINDS.map((k) => [k, valueLabel('kind', k, 'station')])} />
              </Row>
              <Row label={fieldLabel('district')} name="district" required error={e.district}>
                <Input name="district" value={v('district')} required error={e.district} placeholder={UI.examples.district} />
              </Row>
              <Row label={fieldLabel('hotline', 'station')} name="hotline" error={e.hotline}>
                <Input name="hotline" value={v('hotline')} error={e.hotline} inputmode="tel" placeholder="0451-57301234" />
              </Row>
              <Row label={fieldLabel('address', 'station')} name="address" error={e.address}>
                <Input name="address" value={v('address')} error={e.address} />
              </Row>
              <Row label={fieldLabel('deputiesOnDuty', 'station')} name="deputiesOnDuty" error={e.deputiesOnDuty} hint={CITIZEN.onDutyHint}>
                <TextArea name="deputiesOnDuty" value={v('deputiesOnDuty')} error={e.deputiesOnDuty} rows={3} />
              </Row>
              <div class="actions">
                <button type="submit" class="primary">
                  {UI.admin.addStation}
                </button>
              </div>
            </form>
          </Section>
        </div>
      </div>
    </Layout>,
    status,
  );
}

async function deputiesPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const [deputies, stations] = await Promise.all([listDeputies(deps.db), listStations(deps.db)]);
  const stationName = new Map(stations.items.map((s) => [s.code, s.name]));
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  return html(
    c,
    <Layout title={UI.admin.deputiesTitle} actor={actor} csrf={csrf} active="deputies" flash={c.req.query('ok') === 'deputy' ? UI.admin.deputyCreated : null} wide>
      <div class="page-head">
        <h1>{UI.admin.deputiesTitle}</h1>
        <DownloadLinks href="/admin/deputies/download" />
      </div>
      <div class="columns">
        <div class="col-main">
          <Table
            testid="deputies"
            rows={deputies.items}
            columns={[
              { label: fieldLabel('name'), head: true, cell: (d) => d.name },
              { label: fieldLabel('level'), cell: (d) => valueLabel('level', d.level) },
              { label: fieldLabel('stationCode', 'deputy'), cell: (d) => stationName.get(d.stationCode) ?? d.stationCode },
              { label: fieldLabel('expertise'), cell: (d) => d.expertise.join('、') },
              { label: fieldLabel('phone', 'deputy'), class: 'mono', cell: (d) => d.phone ?? '—' },
            ]}
          />
        </div>
        <div class="col-side">
          <Section title={UI.admin.addDeputy}>
            {st.restored ? <RestoredNotice /> : null}
            <form method="post" action="/admin/deputies" class="form">
              {errorList(st, 'deputy')}
              <Csrf token={csrf} />
              <Row label={fieldLabel('name')} name="name" required error={e.name}>
                <Input name="name" value={v('name')} required error={e.name} />
              </Row>
              <Row label={fieldLabel('level')} name="level" required error={e.level}>
                <Select name="level" value={v('level') || 'county'} required error={e.level} options={DEPUTY_LEVELS.map((k) => [k, valueLabel('level', k)])} />
              </Row>
              <Row label={fieldLabel('stationCode', 'deputy')} name="stationCode" required error={e.stationCode}>
                <Select name="stationCode" value={v('stationCode')} blank={UI.common.chooseOne} required error={e.stationCode} options={stationOptions(stations.items)} />
              </Row>
              <Row label={fieldLabel('expertise')} name="expertise" error={e.expertise} hint={UI.admin.expertiseHint}>
                <Input name="expertise" value={v('expertise')} error={e.expertise} placeholder={UI.examples.expertise} />
              </Row>
              <Row label={fieldLabel('phone', 'deputy')} name="phone" error={e.phone}>
                <Input name="phone" type="tel" value={v('phone')} error={e.phone} />
              </Row>
              <div class="actions">
                <button type="submit" class="primary">
                  {UI.admin.addDeputy}
                </button>
              </div>
            </form>
          </Section>
        </div>
      </div>
    </Layout>,
    status,
  );
}

async function usersPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: FormState = blank, status: 200 | 201 | 400 | 404 | 409 = 200) {
  const [users, stations, deputies] = await Promise.all([listUsers(deps.db, actor), listStations(deps.db), listDeputies(deps.db)]);
  const stationName = new Map(stations.items.map((s) => [s.code, shownName(s)]));
  const deputyName = new Map(deputies.items.map((d) => [d.id, shownName(d)]));
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  const ok = c.req.query('ok');
  const flash = st.flash ?? (ok === 'password' ? UI.admin.passwordSet : ok === 'deactivated' ? UI.admin.deactivated : ok === 'activated' ? UI.admin.activated : ok === 'updated' ? UI.admin.updated : null);
  return html(
    c,
    <Layout title={UI.admin.usersTitle} actor={actor} csrf={csrf} active="users" flash={flash} wide>
      <h1>{UI.admin.usersTitle}</h1>
      {st.token ? (
        <p class="notice token" data-testid="token">
          {UI.admin.tokenOnce} <code>{st.token}</code>
        </p>
      ) : null}
      {st.newToken ? (
        <p class="notice token" data-testid="token">
          {UI.admin.newTokenOnce} <code>{st.newToken}</code>
        </p>
      ) : null}
      <div class="columns">
        <div class="col-main">
          <Table
            testid="users"
            rows={users.items}
            rowAttrs={(u) => ({ 'data-user': u.login ?? u.id })}
            columns={[
              {
                label: fieldLabel('name', 'user'),
                head: true,
                cell: (u) => (
                  <>
                    {u.name}
                    <small class="muted"> {formatDate(u.createdAt)}</small>
                  </>
                ),
              },
              { label: fieldLabel('role', 'user'), class: 'nowrap', cell: (u) => ROLE_LABELS[u.role] ?? u.role },
              {
                label: fieldLabel('login'),
                cell: (u) => (
                  <>
                    {u.login ? <span class="mono">{u.login}</span> : <span class="muted">{UI.admin.noLogin}</span>}{' '}
                    {u.mustChangePassword ? <span class="badge due-soon">{UI.admin.mustChange}</span> : u.hasPassword ? <span class="badge ok">{UI.admin.hasPassword}</span> : null}
                  </>
                ),
              },
              { label: fieldLabel('link', 'user'), cell: (u) => (u.stationCode ? stationName.get(u.stationCode) : u.deputyId ? deputyName.get(u.deputyId) : '—') },
              {
                label: UI.admin.setPassword,
                cell: (u) => (
                  <form method="post" action={`/admin/users/${u.id}/password`} class="inline-form">
                    <Csrf token={csrf} />
                    {u.login ? null : <input type="text" name="login" placeholder={fieldLabel('login')} aria-label={fieldLabel('login')} required />}
                    <input type="password" name="password" placeholder={UI.admin.newPasswordShort} aria-label={`${u.name} ${UI.admin.newPassword}`} minlength={12} required autocomplete="new-password" />
                    <button type="submit">{UI.admin.setPassword}</button>
                  </form>
                ),
              },
              { label: UI.admin.status, cell: (u) => (u.active ? <span class="badge ok">{UI.admin.active}</span> : <span class="badge due-soon">{UI.admin.inactive}</span>) },
              {
                label: UI.admin.actions,
                cell: (u) => (
                  <>
                    <a href={`/admin/users/${u.id}`}>{UI.admin.edit}</a>{' '}
                    <form method="post" action={`/admin/users/${u.id}/active`} class="inline-form">
                      <Csrf token={csrf} />
                      <input type="hidden" name="active" value={u.active ? 'false' : 'true'} />
                      <button type="submit" data-testid={`toggle-${u.login ?? u.id}`}>{u.active ? UI.admin.deactivate : UI.admin.activate}</button>
                    </form>{' '}
                    <form method="post" action={`/admin/users/${u.id}/token`} class="inline-form">
                      <Csrf token={csrf} />
                      <button type="submit" data-testid={`token-${u.login ?? u.id}`}>{UI.admin.newToken}</button>
                    </form>
                  </>
                ),
              },
            ]}
          />
        </div>
        <div class="col-side">
          <Section title={UI.admin.addUser}>
            {st.restored ? <RestoredNotice lost={[UI.restored.passwordNotKept]} /> : null}
            <form method="post" action="/admin/users" class="form">
              {errorList(st, 'user')}
              <Csrf token={csrf} />
              <Row label={fieldLabel('name', 'user')} name="name" required error={e.name}>
                <Input name="name" value={v('name')} required error={e.name} />
              </Row>
              <Row label={fieldLabel('role', 'user')} name="role" required error={e.role}>
                <Select name="role" value={v('role') || 'court'} required error={e.role} options={ROLES.map((r) => [r, ROLE_LABELS[r] ?? r])} />
              </Row>
              <Row label={fieldLabel('stationCode', 'user')} name="stationCode" error={e.stationCode} hint={UI.admin.stationOnly}>
                <Select name="stationCode" value={v('stationCode')} blank={UI.common.none} error={e.stationCode} options={stationOptions(stations.items)} />
              </Row>
              <Row label={fieldLabel('deputyId', 'user')} name="deputyId" error={e.deputyId} hint={UI.admin.deputyOnly}>
                <Select name="deputyId" value={v('deputyId')} blank={UI.common.none} error={e.deputyId} options={deputyOptions(deputies.items, stations.items)} />
              </Row>
              <Row label={fieldLabel('login')} name="login" required error={e.login}>
                <Input name="login" value={v('login')} required error={e.login} autocomplete="off" placeholder={UI.examples.login} />
              </Row>
              <Row label={UI.admin.newPassword} name="password" required error={e.password}>
                <Input name="password" type="password" required error={e.password} autocomplete="new-password" />
              </Row>
              <div class="actions">
                <button type="submit" class="primary">
                  {UI.admin.addUser}
                </button>
              </div>
            </form>
          </Section>
        </div>
      </div>
    </Layout>,
    status,
  );
}

function picked(form: FormBody, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = one(form, k).trim();
    if (v) out[k] = v;
  }
  return out;
}

/** 值班代表, one a line: the name, then (after a space) when they receive people. */
function onDutyLines(text: string) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, ...rest] = line.split(/\s+/);
      return rest.length ? { name, schedule: rest.join(' ') } : { name };
    });
}

async function editUserPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, id: string, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const [user, stations, deputies] = await Promise.all([getUser(deps.db, actor, id), listStations(deps.db), listDeputies(deps.db)]);
  const v = (k: string, fallback: string | null) => (k in st.values ? one(st.values, k) : (fallback ?? ''));
  const e = st.errors;
  return html(
    c,
    <Layout title={UI.admin.editTitle(user.name)} actor={actor} csrf={csrf} active="users">
      <section class="card narrow">
        <h1>{UI.admin.editTitle(user.name)}</h1>
        {st.restored ? <RestoredNotice /> : null}
        <form method="post" action={`/admin/users/${user.id}`} class="form">
          {errorList(st, 'user')}
          <Csrf token={csrf} />
          <Row label={fieldLabel('name', 'user')} name="name" required error={e.name}>
            <Input name="name" value={v('name', user.name)} required error={e.name} />
          </Row>
          <Row label={fieldLabel('role', 'user')} name="role" required error={e.role}>
            <Select name="role" value={v('role', user.role)} required error={e.role} options={ROLES.map((r) => [r, ROLE_LABELS[r] ?? r])} />
          </Row>
          <Row label={fieldLabel('stationCode', 'user')} name="stationCode" error={e.stationCode} hint={UI.admin.stationOnly}>
            <Select name="stationCode" value={v('stationCode', user.stationCode)} blank={UI.common.none} error={e.stationCode} options={stationOptions(stations.items, user.stationCode)} />
          </Row>
          <Row label={fieldLabel('deputyId', 'user')} name="deputyId" error={e.deputyId} hint={UI.admin.deputyOnly}>
            <Select name="deputyId" value={v('deputyId', user.deputyId)} blank={UI.common.none} error={e.deputyId} options={deputyOptions(deputies.items, stations.items, user.deputyId)} />
          </Row>
          <div class="actions">
            <button type="submit" class="primary">
              {UI.admin.save}
            </button>
          </div>
        </form>
      </section>
    </Layout>,
    status,
  );
}

export function adminPages(app: Hono<WebEnv>, deps: AppDeps, tokens?: TokenCache) {
  const admin = { may: 'directory.manage' } as const;
  const post = (path: string, handler: (c: WebContext, ctx: PageCtx) => Promise<Response>) => app.post(path, page(deps, handler, admin));
  app.get('/admin', (c) => c.redirect('/admin/users', 303));
  app.get('/admin/stations', page(deps, (c, ctx) => stationsPage(deps, c, ctx, restoredState(c)), admin));
  post('/admin/stations', async (c, ctx) => {
    const form = c.get('form');
    const body = { ...picked(form, ['code', 'name', 'kind', 'district', 'hotline', 'address']), deputiesOnDuty: onDutyLines(one(form, 'deputiesOnDuty')) };
    return formAction(
      async () => {
        await createStation(deps.db, ctx.actor, body, requestMeta(c));
        return c.redirect('/admin/stations?ok=station', 303);
      },
      (r) => stationsPage(deps, c, ctx, { ...r, values: form }, 400),
    );
  });
  app.get('/admin/deputies', page(deps, (c, ctx) => deputiesPage(deps, c, ctx, restoredState(c)), admin));
  post('/admin/deputies', async (c, ctx) => {
    const form = c.get('form');
    const body: Record<string, unknown> = picked(form, ['name', 'level', 'stationCode', 'phone']);
    body.expertise = one(form, 'expertise')
      .split(/[、,，;；\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    return formAction(
      async () => {
        await createDeputy(deps.db, ctx.actor, body, requestMeta(c));
        return c.redirect('/admin/deputies?ok=deputy', 303);
      },
      (r) => deputiesPage(deps, c, ctx, { ...r, values: form }, 400),
    );
  });
  app.get('/admin/users', page(deps, (c, ctx) => usersPage(deps, c, ctx, restoredState(c)), admin));
  post('/admin/users', async (c, ctx) => {
    const form = c.get('form');
    const body: Record<string, unknown> = picked(form, ['name', 'role', 'login']);
    // The page offers both selects to every role; send only the one the role takes.
    if (body.role === 'station') Object.assign(body, picked(form, ['stationCode']));
    if (body.role === 'deputy') Object.assign(body, picked(form, ['deputyId']));
    const password = one(form, 'password');
    if (password) body.password = password;
    const { password: _p, ...keep } = form;
    return formAction(
      async () => {
        const user = await createUser(deps.db, ctx.actor, body, requestMeta(c));
        return usersPage(deps, c, ctx, { values: {}, errors: {}, token: user.token, flash: UI.admin.userCreated }, 201);
      },
      (r, err) => usersPage(deps, c, ctx, { ...r, values: keep }, err instanceof ValidationError ? 400 : 409),
    );
  });
  post('/admin/users/:id/password', async (c, ctx) => {
    const form = c.get('form');
    const body: Record<string, string> = { password: one(form, 'password') };
    const login = one(form, 'login').trim();
    if (login) body.login = login;
    return formAction(
      async () => {
        await setPassword(deps.db, ctx.actor, c.req.param('id') ?? '', body, requestMeta(c));
        return c.redirect('/admin/users?ok=password', 303);
      },
      (r, err) => usersPage(deps, c, ctx, { ...r, values: {} }, err instanceof ValidationError ? 400 : notFound(err) ? 404 : 409),
    );
  });
  post('/admin/users/:id/active', async (c, ctx) => {
    const active = one(c.get('form'), 'active') === 'true';
    const id = c.req.param('id') ?? '';
    return formAction(
      async () => {
        await updateUser(deps.db, ctx.actor, id, { active }, requestMeta(c));
        tokens?.forgetUser(id);
        return c.redirect(`/admin/users?ok=${active ? 'activated' : 'deactivated'}`, 303);
      },
      (r, err) => usersPage(deps, c, ctx, { ...r, values: {} }, notFound(err) ? 404 : 409),
    );
  });
  post('/admin/users/:id/token', async (c, ctx) => {
    const id = c.req.param('id') ?? '';
    const { token } = await rotateToken(deps.db, ctx.actor, id, requestMeta(c));
    tokens?.forgetUser(id);
    return usersPage(deps, c, ctx, { values: {}, errors: {}, newToken: token }, 201);
  });
  app.get('/admin/users/:id', page(deps, (c, ctx) => editUserPage(deps, c, ctx, c.req.param('id') ?? '', restoredState(c)), admin));
  post('/admin/users/:id', async (c, ctx) => {
    const form = c.get('form');
    const id = c.req.param('id') ?? '';
    const body: Record<string, unknown> = picked(form, ['name', 'role']);
    // The page offers both selects to every role; send only the one the role takes.
    body.stationCode = body.role === 'station' ? one(form, 'stationCode').trim() || null : null;
    body.deputyId = body.role === 'deputy' ? one(form, 'deputyId').trim() || null : null;
    return formAction(
      async () => {
        await updateUser(deps.db, ctx.actor, id, body, requestMeta(c));
        tokens?.forgetUser(id);
        return c.redirect('/admin/users?ok=updated', 303);
      },
      (r, err) => {
        if (notFound(err)) throw err;
        return editUserPage(deps, c, ctx, id, { ...r, values: form }, err instanceof ValidationError ? 400 : 409);
      },
    );
  });
}

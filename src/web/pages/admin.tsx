/**
 * The admin's pages: stations and deputies (listed, added, edited and retired, each with its change
 * history), users (with their sign-in names and initial passwords). Built on the admin frame.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import {
  createDeputy,
  createStation,
  createUser,
  DEPUTY_LEVELS,
  getDeputy,
  getStation,
  listDeputies,
  listStations,
  listUsers,
  getUser,
  rotateToken,
  setPassword,
  STATION_KINDS,
  updateDeputy,
  updateStation,
  updateUser,
  type TokenCache,
} from '../../engine/directory.js';
import { listChanges } from '../../engine/audit.js';
import { requestMeta } from '../../edge/context.js';
import { DomainError, NotFound, ValidationError } from '../../engine/errors.js';
import { ROLES } from '../../machines/roles.js';
import { formatDate } from '../../format.js';
import { fieldLabel, ROLE_LABELS, valueLabel } from '../../labels.js';
import { CITIZEN, UI } from '../../words.js';
import { Csrf, ErrorBox, Input, RestoredNotice, Row, Select, TextArea, type FieldErrorMap } from '../components.js';
import { one, restoredDraft, type FormBody, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { flashOf, html, page, type PageCtx, type WebContext } from '../page.js';
import { formAction, type Refused } from '../form-action.js';
import { Table } from '../table.js';
import { DownloadLinks } from '../downloads.js';
import { AdminFrame, ChangeHistory, FormCard, NameWithStatus, RetireCard } from '../admin-frame.js';
import { TodoSection, todoOf } from './legal-time.js';
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
  /** A deputy of this name already sits at the station: the form asks to confirm a second one. */
  askDuplicate?: boolean;
  /** Handed back after signing in again (issue 15 §6): the notice above the form. */
  restored?: boolean;
}

const blank: FormState = { values: {}, errors: {} };

/** The form as typed before the session ended, when this page is the sign-in bringing the user back. */
function restoredState(c: WebContext): FormState | undefined {
  const draft = restoredDraft(c);
  return draft ? { values: draft, errors: {}, restored: true } : undefined;
}

/** The refusal, or the notice of a form handed back after signing in again (`lost`: what never is). */
const formTop = (st: FormState, scope: string, lost?: string[]) => (
  <>
    {st.restored ? <RestoredNotice lost={lost} /> : null}
    {errorList(st, scope)}
  </>
);

const notFound = (err: unknown) => err instanceof DomainError && err.code === 'not_found';

function errorList(st: FormState, scope: string) {
  return st.error ? (
    <ErrorBox title={st.error.title} detail={st.error.detail} fields={Object.entries(st.errors).map(([name, message]) => ({ name, message, label: fieldLabel(name, scope) }))} />
  ) : null;
}

/** A refused deputy form: a second deputy of the same name at one station is asked for, in words. */
function deputyRefusal(r: Refused, err: unknown, values: FormBody): FormState {
  if (err instanceof DomainError && err.reason === 'conflict.deputy_duplicate') {
    const detail = UI.admin.duplicateDeputy;
    return { values, errors: { name: detail }, error: { title: r.error.title, detail }, askDuplicate: true };
  }
  return { ...r, values };
}

const enc = encodeURIComponent;
const isActive = (r: { active?: boolean }) => r.active !== false;

// ---------------------------------------------------------------------------------------------
// Stations

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

const onDutyText = (list: { name: string; schedule?: string }[] | undefined) => (list ?? []).map((d) => (d.schedule ? `${d.name} ${d.schedule}` : d.name)).join('\n');

/** The station's fields, for adding one (with its code) and for editing one (the code stays). */
function StationFields(p: { v: (k: string) => string; e: FieldErrorMap; code?: string }) {
  const { v, e } = p;
  return (
    <>
      {p.code === undefined ? (
        <Row label={fieldLabel('code')} name="code" required error={e.code}>
          <Input name="code" value={v('code')} required error={e.code} placeholder={UI.examples.stationCode} />
        </Row>
      ) : (
        <p class="hint">{UI.admin.codeFixed(p.code)}</p>
      )}
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
    </>
  );
}

/** What the station form sends: an empty hotline or address clears it when editing. */
function stationBody(form: FormBody, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = picked(form, editing ? ['name', 'kind', 'district'] : ['code', 'name', 'kind', 'district', 'hotline', 'address']);
  if (editing) for (const k of ['hotline', 'address']) body[k] = one(form, k).trim();
  body.deputiesOnDuty = onDutyLines(one(form, 'deputiesOnDuty'));
  return body;
}

async function stationsPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const stations = await listStations(deps.db);
  const v = (k: string) => one(st.values, k);
  return html(
    c,
    <AdminFrame
      title={UI.admin.stationsTitle}
      actor={actor}
      csrf={csrf}
      active="stations"
      flash={st.flash ?? flashOf(c, { station: UI.admin.stationCreated })}
      head={<DownloadLinks href="/admin/stations/download" />}
      main={
        <Table
          testid="stations"
          rows={stations.items}
          rowAttrs={(s) => ({ 'data-station': s.code, class: isActive(s) ? undefined : 'retired' })}
          columns={[
            { label: fieldLabel('code'), class: 'mono', cell: (s) => s.code },
            { label: fieldLabel('name', 'station'), head: true, cell: (s) => <NameWithStatus name={s.name} active={s.active} /> },
            { label: fieldLabel('kind', 'station'), cell: (s) => valueLabel('kind', s.kind, 'station') },
            { label: fieldLabel('district'), cell: (s) => s.district },
            {
              label: '',
              cell: (s) => (
                <>
                  <a href={`/admin/stations/${enc(s.code)}/edit`} data-testid={`edit-${s.code}`}>
                    {UI.admin.edit}
                  </a>{' '}
                  <a href={`/stations/${enc(s.code)}/activities`}>{UI.nav.activities}</a>{' '}
                  {s.active === false ? null : <a href={`/stations/${enc(s.code)}/card`}>{CITIZEN.cardNav}</a>}
                </>
              ),
            },
          ]}
        />
      }
      side={
        <FormCard title={UI.admin.addStation} action="/admin/stations" csrf={csrf} error={formTop(st, 'station')} submit={UI.admin.addStation}>
          <StationFields v={v} e={st.errors} />
        </FormCard>
      }
    />,
    status,
  );
}

/** How a station's recorded value reads in its change history. */
function stationValue(field: string, value: unknown): string {
  if (field === 'kind') return valueLabel('kind', String(value), 'station');
  if (field === 'active') return value ? UI.admin.active : UI.admin.retired;
  if (field === 'deputiesOnDuty' && Array.isArray(value)) return onDutyText(value).split('\n').join('、');
  return String(value);
}

async function stationEditPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, code: string, st?: FormState, status: 200 | 400 | 409 = 200) {
  const station = await getStation(deps.db, code);
  if (!station) throw new NotFound('not_found.station', { code });
  const history = await listChanges(deps.db, actor, { type: 'station', id: code });
  const current: Record<string, string> = {
    name: station.name,
    kind: station.kind,
    district: station.district,
    hotline: station.hotline ?? '',
    address: station.address ?? '',
    deputiesOnDuty: onDutyText(station.deputiesOnDuty),
  };
  const v = (k: string) => (st?.values && k in st.values ? one(st.values, k) : (current[k] ?? ''));
  const e = st?.errors ?? {};
  const path = `/admin/stations/${enc(code)}`;
  return html(
    c,
    <AdminFrame
      title={UI.admin.editStation(station.name)}
      actor={actor}
      csrf={csrf}
      active="stations"
      flash={flashOf(c, { updated: UI.admin.stationUpdated, retired: UI.admin.stationRetired, reactivated: UI.admin.stationReactivated })}
      main={
        <>
          <FormCard title={UI.admin.edit} action={`${path}/edit`} csrf={csrf} error={e._confirmRetire ? null : errorList(st ?? blank, 'station')} submit={UI.admin.save} testid="edit">
            <StationFields v={v} e={e._confirmRetire ? {} : e} code={code} />
          </FormCard>
          <RetireCard
            action={`${path}/active`}
            csrf={csrf}
            active={isActive(station)}
            title={UI.admin.retireStation}
            note={UI.admin.retireStationNote}
            confirm={UI.admin.confirmRetireStation}
            error={e._confirmRetire}
          />
        </>
      }
      side={<ChangeHistory items={history} label={(f) => fieldLabel(f, 'station')} show={stationValue} />}
    >
      <p>
        <a href="/admin/stations">{UI.admin.backToStations}</a>
      </p>
    </AdminFrame>,
    status,
  );
}

// ---------------------------------------------------------------------------------------------
// Deputies

/** The deputy's fields, for adding one and for editing one; the duplicate-name confirmation when asked. */
function DeputyFields(p: { v: (k: string) => string; e: FieldErrorMap; stations: { code: string; name: string; active?: boolean }[]; askDuplicate?: boolean }) {
  const { v, e } = p;
  return (
    <>
      <Row label={fieldLabel('name')} name="name" required error={e.name}>
        <Input name="name" value={v('name')} required error={e.name} />
      </Row>
      {p.askDuplicate ? (
        <Row label={UI.admin.confirmDuplicate} name="confirmDuplicate">
          <label class="choice" id="f-confirmDuplicate">
            <input type="checkbox" name="confirmDuplicate" value="yes" />
            {UI.admin.confirmDuplicate}
          </label>
        </Row>
      ) : null}
      <Row label={fieldLabel('level')} name="level" required error={e.level}>
        <Select name="level" value={v('level') || 'county'} required error={e.level} options={DEPUTY_LEVELS.map((k) => [k, valueLabel('level', k)])} />
      </Row>
      {/* A retired station is offered only to the deputy who already sits there, marked. */}
      <Row label={fieldLabel('stationCode', 'deputy')} name="stationCode" required error={e.stationCode}>
        <Select name="stationCode" value={v('stationCode')} blank={UI.common.chooseOne} required error={e.stationCode} options={stationOptions(p.stations, v('stationCode'))} />
      </Row>
      <Row label={fieldLabel('expertise')} name="expertise" error={e.expertise} hint={UI.admin.expertiseHint}>
        <Input name="expertise" value={v('expertise')} error={e.expertise} placeholder={UI.examples.expertise} />
      </Row>
      <Row label={fieldLabel('phone', 'deputy')} name="phone" error={e.phone}>
        <Input name="phone" type="tel" value={v('phone')} error={e.phone} />
      </Row>
    </>
  );
}

/** What the deputy form sends: an empty phone clears it when editing. */
function deputyBody(form: FormBody, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = picked(form, editing ? ['name', 'level', 'stationCode'] : ['name', 'level', 'stationCode', 'phone']);
  if (editing) body.phone = one(form, 'phone').trim();
  body.expertise = one(form, 'expertise')
    .split(/[、,，;；\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (one(form, 'confirmDuplicate') === 'yes') body.confirmDuplicate = true;
  return body;
}

async function deputiesPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const [deputies, stations] = await Promise.all([listDeputies(deps.db, actor), listStations(deps.db)]);
  const stationName = new Map(stations.items.map((s) => [s.code, shownName(s)]));
  const v = (k: string) => one(st.values, k);
  return html(
    c,
    <AdminFrame
      title={UI.admin.deputiesTitle}
      actor={actor}
      csrf={csrf}
      active="deputies"
      flash={flashOf(c, { deputy: UI.admin.deputyCreated })}
      head={<DownloadLinks href="/admin/deputies/download" />}
      main={
        <Table
          testid="deputies"
          rows={deputies.items}
          rowAttrs={(d) => ({ 'data-deputy': d.id, class: isActive(d) ? undefined : 'retired' })}
          columns={[
            { label: fieldLabel('name'), head: true, cell: (d) => <NameWithStatus name={d.name} active={d.active} /> },
            { label: fieldLabel('level'), cell: (d) => valueLabel('level', d.level) },
            { label: fieldLabel('stationCode', 'deputy'), cell: (d) => stationName.get(d.stationCode) ?? d.stationCode },
            { label: fieldLabel('expertise'), cell: (d) => d.expertise.join('、') },
            { label: fieldLabel('phone', 'deputy'), class: 'mono', cell: (d) => d.phone ?? '—' },
            { label: '', cell: (d) => <a href={`/admin/deputies/${d.id}/edit`}>{UI.admin.edit}</a> },
          ]}
        />
      }
      side={
        <FormCard title={UI.admin.addDeputy} action="/admin/deputies" csrf={csrf} error={formTop(st, 'deputy')} submit={UI.admin.addDeputy}>
          <DeputyFields v={v} e={st.errors} stations={stations.items} askDuplicate={st.askDuplicate} />
        </FormCard>
      }
    />,
    status,
  );
}

async function deputyEditPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, id: string, st?: FormState, status: 200 | 400 | 409 = 200) {
  const deputy = await getDeputy(deps.db, id);
  if (!deputy) throw new NotFound('not_found.deputy', { id });
  const [history, stations] = await Promise.all([listChanges(deps.db, actor, { type: 'deputy', id }), listStations(deps.db)]);
  const stationName = new Map(stations.items.map((s) => [s.code, shownName(s)]));
  const current: Record<string, string> = { name: deputy.name, level: deputy.level, stationCode: deputy.stationCode, expertise: deputy.expertise.join('、'), phone: deputy.phone ?? '' };
  const v = (k: string) => (st?.values && k in st.values ? one(st.values, k) : (current[k] ?? ''));
  const e = st?.errors ?? {};
  const show = (field: string, value: unknown): string => {
    if (field === 'level') return valueLabel('level', String(value));
    if (field === 'stationCode') return stationName.get(String(value)) ?? String(value);
    if (field === 'active') return value ? UI.admin.active : UI.admin.retired;
    return Array.isArray(value) ? value.join('、') : String(value);
  };
  return html(
    c,
    <AdminFrame
      title={UI.admin.editDeputy(deputy.name)}
      actor={actor}
      csrf={csrf}
      active="deputies"
      flash={flashOf(c, { updated: UI.admin.deputyUpdated, retired: UI.admin.deputyRetired, reactivated: UI.admin.deputyReactivated })}
      main={
        <>
          <FormCard title={UI.admin.edit} action={`/admin/deputies/${id}/edit`} csrf={csrf} error={e._confirmRetire ? null : errorList(st ?? blank, 'deputy')} submit={UI.admin.save} testid="edit">
            <DeputyFields v={v} e={e._confirmRetire ? {} : e} stations={stations.items} askDuplicate={st?.askDuplicate} />
          </FormCard>
          <RetireCard
            action={`/admin/deputies/${id}/active`}
            csrf={csrf}
            active={isActive(deputy)}
            title={UI.admin.retireDeputy}
            note={UI.admin.retireDeputyNote}
            confirm={UI.admin.confirmRetireDeputy}
            error={e._confirmRetire}
          />
        </>
      }
      side={<ChangeHistory items={history} label={(f) => fieldLabel(f, 'deputy')} show={show} />}
    >
      <p>
        <a href="/admin/deputies">{UI.admin.backToDeputies}</a>
      </p>
    </AdminFrame>,
    status,
  );
}

// ---------------------------------------------------------------------------------------------
// Users

async function usersPage(deps: AppDeps, c: WebContext, { actor, csrf, now }: PageCtx, st: FormState = blank, status: 200 | 201 | 400 | 404 | 409 = 200) {
  // The admin's home page: their to-do (DESIGN §11: the years the statutory calendar lacks) heads it.
  const [users, stations, deputies, todo] = await Promise.all([listUsers(deps.db, actor), listStations(deps.db), listDeputies(deps.db, actor), todoOf(deps, { actor, csrf, now })]);
  const stationName = new Map(stations.items.map((s) => [s.code, shownName(s)]));
  const deputyName = new Map(deputies.items.map((d) => [d.id, shownName(d)]));
  const v = (k: string) => one(st.values, k);
  const e = st.errors;
  const ok = c.req.query('ok');
  const flash = st.flash ?? (ok === 'password' ? UI.admin.passwordSet : ok === 'deactivated' ? UI.admin.deactivated : ok === 'activated' ? UI.admin.activated : ok === 'updated' ? UI.admin.updated : null);
  return html(
    c,
    <AdminFrame
      title={UI.admin.usersTitle}
      actor={actor}
      csrf={csrf}
      active="users"
      flash={flash}
      main={
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
      }
      side={
        <FormCard title={UI.admin.addUser} action="/admin/users" csrf={csrf} error={formTop(st, 'user', [UI.restored.passwordNotKept])} submit={UI.admin.addUser}>
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
        </FormCard>
      }
    >
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
      {todo.length ? <TodoSection items={todo} now={now} /> : null}
    </AdminFrame>,
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

async function editUserPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, id: string, st: FormState = blank, status: 200 | 400 | 409 = 200) {
  const [user, stations, deputies] = await Promise.all([getUser(deps.db, actor, id), listStations(deps.db), listDeputies(deps.db, actor)]);
  const v = (k: string, fallback: string | null) => (k in st.values ? one(st.values, k) : (fallback ?? ''));
  const e = st.errors;
  return html(
    c,
    <Layout title={UI.admin.editTitle(user.name)} actor={actor} csrf={csrf} active="users">
      <section class="card narrow">
        <h1>{UI.admin.editTitle(user.name)}</h1>
        <form method="post" action={`/admin/users/${user.id}`} class="form">
          {formTop(st, 'user')}
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
    const body = stationBody(form, false);
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
    const body = deputyBody(form, false);
    return formAction(
      async () => {
        await createDeputy(deps.db, ctx.actor, body, requestMeta(c));
        return c.redirect('/admin/deputies?ok=deputy', 303);
      },
      (r, err) => deputiesPage(deps, c, ctx, deputyRefusal(r, err, form), 400),
    );
  });
  editPages(app, deps, {
    base: '/admin/stations',
    param: 'code',
    may: 'station.update',
    show: (c, ctx, key, st, status) => stationEditPage(deps, c, ctx, key, st, status),
    update: (ctx, key, body, c) => updateStation(deps.db, ctx.actor, key, body, requestMeta(c)),
    body: (form) => stationBody(form, true),
    refused: (r, _err, form) => ({ ...r, values: form }),
  });
  editPages(app, deps, {
    base: '/admin/deputies',
    param: 'id',
    may: 'deputy.update',
    show: (c, ctx, key, st, status) => deputyEditPage(deps, c, ctx, key, st, status),
    update: (ctx, key, body, c) => updateDeputy(deps.db, ctx.actor, key, body, requestMeta(c)),
    body: (form) => deputyBody(form, true),
    refused: deputyRefusal,
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

/**
 * A station's or deputy's edit page (`GET …/:key/edit`), its save (`POST …/:key/edit`) and its
 * retiring or reactivating (`POST …/:key/active`; retiring only with its box ticked). Each lands
 * back on the edit page, where the change now heads the history.
 */
function editPages(
  app: Hono<WebEnv>,
  deps: AppDeps,
  p: {
    base: string;
    param: string;
    may: 'station.update' | 'deputy.update';
    show: (c: WebContext, ctx: PageCtx, key: string, st: FormState | undefined, status: 200 | 400 | 409) => Promise<Response>;
    update: (ctx: PageCtx, key: string, body: Record<string, unknown>, c: WebContext) => Promise<unknown>;
    body: (form: FormBody) => Record<string, unknown>;
    refused: (r: Refused, err: unknown, form: FormBody) => FormState;
  },
) {
  const opts = { may: p.may } as const;
  const keyOf = (c: WebContext) => c.req.param(p.param) ?? '';
  const back = (c: WebContext, ok: string) => c.redirect(`${p.base}/${encodeURIComponent(keyOf(c))}/edit?ok=${ok}`, 303);
  const again = (c: WebContext, ctx: PageCtx, st: FormState, status: number) => p.show(c, ctx, keyOf(c), st, status === 409 ? 409 : 400);
  app.get(`${p.base}/:${p.param}/edit`, page(deps, (c, ctx) => p.show(c, ctx, keyOf(c), undefined, 200), opts));
  app.post(
    `${p.base}/:${p.param}/edit`,
    page(
      deps,
      async (c, ctx) => {
        const form = c.get('form');
        return formAction(
          async () => {
            await p.update(ctx, keyOf(c), p.body(form), c);
            return back(c, 'updated');
          },
          (r, err) => {
            if (notFound(err)) throw err;
            return again(c, ctx, p.refused(r, err, form), r.status);
          },
        );
      },
      opts,
    ),
  );
  app.post(
    `${p.base}/:${p.param}/active`,
    page(
      deps,
      async (c, ctx) => {
        const form = c.get('form');
        const active = one(form, 'active') === 'true';
        // Retiring is confirmed by ticking the box: checked here too, so it holds without JavaScript.
        if (!active && one(form, '_confirmRetire') !== 'yes') {
          return again(c, ctx, { values: {}, errors: { _confirmRetire: UI.admin.confirmRetireMissing } }, 400);
        }
        return formAction(
          async () => {
            await p.update(ctx, keyOf(c), { active }, c);
            return back(c, active ? 'reactivated' : 'retired');
          },
          (r, err) => {
            if (notFound(err)) throw err;
            return again(c, ctx, { ...r, values: {} }, r.status);
          },
        );
      },
      opts,
    ),
  );
}

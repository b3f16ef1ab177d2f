/**
 * The audit invariant (DESIGN.md §5): replaying an entity's journal from its creation through
 * the machine yields exactly the stored snapshot, state and version, with no gap in `seq`.
 */
import { and, asc, gt, gte, lte, sql } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import { statePath } from '../machines/spec.js';
import type { Db } from '../db/client.js';
import type { MigrationRegistry } from '../machines/migrations.js';
import { MachineVersionMismatch } from './errors.js';
import type { EntityRow, EntityStore } from './stores.js';
import { firstSnapshot, nextSnapshot } from './transition.js';
import { migratedSnapshot } from './write/snapshots.js';

export interface Mismatch {
  entityType: string;
  id: string;
  number: string;
  reason: string;
}

export interface VerifyResult {
  entities: number;
  events: number;
  mismatches: Mismatch[];
}

/** Two JSON documents are equal: the same values, whatever the order of their keys (as `canonical` in write/idempotency.ts compares). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((v, i) => sameJson(v, bs[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

interface JournalRow {
  seq: number;
  type: string;
  payload: unknown;
  /** ISO 8601 in UTC, as the engine writes it (`…T…Z`). */
  occurredAt: string;
  toState: string;
}

/** Replays one journal; returns the snapshot it ends in, or why it cannot be replayed. */
export function replay(store: EntityStore, journal: JournalRow[]): { snapshot?: AnyMachineSnapshot; error?: string } {
  const machine = store.spec.machine;
  let snapshot: AnyMachineSnapshot | undefined;
  for (let i = 0; i < journal.length; i++) {
    const e = journal[i];
    if (e.seq !== i + 1) return { error: `journal gap: expected seq ${i + 1}, found ${e.seq}` };
    const occurredAt = e.occurredAt;
    if (i === 0) {
      if (e.type !== 'CREATE') return { error: `journal starts with ${e.type}, not CREATE` };
      snapshot = firstSnapshot(machine, { ...(e.payload as object), occurredAt });
    } else {
      const event = { ...(e.payload as object), type: e.type, occurredAt };
      // A calendar edit's record (DESIGN §11) is no event: it applies as it was written.
      const legal = store.spec.legalTime;
      if (legal && e.type === legal.recordType) {
        snapshot = legal.record(snapshot!, e.payload);
      } else {
        if (!snapshot!.can(event)) return { error: `seq ${e.seq}: ${e.type} is refused on replay in ${statePath(snapshot!.value)}` };
        snapshot = nextSnapshot(machine, snapshot!, event);
      }
    }
    if (statePath(snapshot!.value) !== e.toState) {
      return { error: `seq ${e.seq}: replay reached ${statePath(snapshot!.value)}, journal says ${e.toState}` };
    }
  }
  if (!snapshot) return { error: 'empty journal' };
  return { snapshot };
}

/** Entities replayed between two turns of the event loop (see verifyStore). */
const YIELD_EVERY = 100;
/** Batches the database prepares at once, on as many connections, while this process replays. */
const AHEAD = 2;

/**
 * Replays every entity of `store`. A row stored under an older machine version is compared after
 * the same migration `restore()` would apply (`migrations`, default the production registry): a
 * migration that cannot reproduce what the journal replays to is a mismatch.
 */
export async function verifyStore(
  db: Db,
  store: EntityStore,
  opts: { batch?: number; onProgress?: (n: number) => void; migrations?: MigrationRegistry } = {},
) {
  const result: VerifyResult = { entities: 0, events: 0, mismatches: [] };
  const batch = opts.batch ?? 500;
  const table = store.table;
  const journal = store.journal;
  const key = journal[store.journalKey];
  // One batch: the next `batch` entities by id, each with its whole journal as one JSON text that
  // PostgreSQL builds, its occurred_at as epoch milliseconds (the engine writes milliseconds;
  // floor() keeps any finer stamp the same instant toISOString() would print). Decoding a million
  // journal rows column by column was 40% of the replay's CPU; one JSON.parse per entity is a
  // fraction of it, and the database builds the next batch while this process replays one.
  const journalOf = sql<string | null>`(select json_agg(json_build_array(${journal.seq}, ${journal.type}, ${journal.payload},
      floor(extract(epoch from ${journal.occurredAt}) * 1000)::int8, ${journal.toState}) order by ${journal.seq})::text
    from ${journal} where ${key} = ${table.id})`;
  // Batches by id: a cheap keyset query finds each batch's first and last id, so the database can
  // build the next AHEAD batches at once (one backend each) while this process replays.
  const idsAfter = (after: string | null) =>
    db.select({ id: table.id }).from(table).where(after ? gt(table.id, after) : undefined).orderBy(asc(table.id)).limit(batch);
  const entitiesBetween = (first: string, last: string) =>
    db
      .select({ id: table.id, number: table.number, state: table.state, snapshot: table.snapshot, version: table.version, machineVersion: table.machineVersion, journal: journalOf })
      .from(table)
      .where(and(gte(table.id, first), lte(table.id, last)))
      .orderBy(asc(table.id)) as Promise<(EntityRow & { journal: string | null })[]>;
  const pending: Promise<(EntityRow & { journal: string | null })[]>[] = [];
  let after: string | null = null;
  let exhausted = false;
  let filling: Promise<void> | null = null;
  const fillUp = async () => {
    while (!exhausted && pending.length < AHEAD) {
      const ids = await idsAfter(after);
      if (ids.length === 0) {
        exhausted = true;
        break;
      }
      const last = ids.at(-1)!.id;
      after = last;
      const rows = entitiesBetween(ids[0].id, last);
      rows.catch(() => {}); // awaited in turn below; a failure is thrown there, not unhandled
      pending.push(rows);
    }
  };
  // One filler at a time: each batch starts where the previous one ended.
  const fill = () => (filling ??= fillUp().finally(() => (filling = null)));
  for (;;) {
    await fill();
    if (pending.length === 0) return result;
    const rows = await pending.shift()!;
    fill().catch(() => {}); // a failing id query fails again, visibly, on the next turn's await
    for (let i = 0; i < rows.length; i++) {
      // Let the next batch stream in while this one replays: a batch is megabytes of JSON, more
      // than the socket buffers hold, and the database stops sending while nobody reads.
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
      const row = rows[i];
      const tuples = row.journal === null ? [] : (JSON.parse(row.journal) as [number, string, unknown, number, string][]);
      const list = tuples.map(([seq, type, payload, ms, toState]) => ({ seq, type, payload, occurredAt: new Date(ms).toISOString(), toState }));
      result.entities++;
      result.events += list.length;
      const fail = (reason: string) => result.mismatches.push({ entityType: store.type, id: row.id, number: row.number, reason });
      let stored: unknown;
      try {
        stored = migratedSnapshot(store, row, opts.migrations);
      } catch (err) {
        if (!(err instanceof MachineVersionMismatch)) throw err;
        fail(`stored under machine version ${row.machineVersion}, current is ${store.spec.version}, and no migration path`);
        continue;
      }
      const { snapshot, error } = replay(store, list);
      if (error) fail(error);
      else if (list.length !== row.version) fail(`version ${row.version} but ${list.length} journal rows`);
      else if (statePath(snapshot!.value) !== row.state) fail(`state column ${row.state}, replay ${statePath(snapshot!.value)}`);
      else if (!sameJson(store.spec.machine.getPersistedSnapshot(snapshot!), stored)) {
        fail(
          row.machineVersion === store.spec.version
            ? 'replayed snapshot differs from the stored snapshot'
            : `replayed snapshot differs from the stored snapshot migrated from machine version ${row.machineVersion}`,
        );
      }
    }
    opts.onProgress?.(result.entities);
  }
}

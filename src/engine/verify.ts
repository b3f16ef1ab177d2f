/**
 * The audit invariant (DESIGN.md §5): replaying an entity's journal from its creation through
 * the machine yields exactly the stored snapshot, state and version, with no gap in `seq`.
 */
import { and, asc, gt, gte, lte } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import { statePath } from '../machines/spec.js';
import type { Db } from '../db/client.js';
import type { MigrationRegistry } from '../machines/migrations.js';
import { isoOf, migratedSnapshot } from './apply.js';
import { MachineVersionMismatch } from './errors.js';
import type { EntityRow, EntityStore } from './stores.js';
import { firstSnapshot, nextSnapshot } from './transition.js';

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

/** JSON with sorted keys, so two equal documents compare equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

interface JournalRow {
  seq: number;
  type: string;
  payload: unknown;
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
    const occurredAt = isoOf(e.occurredAt);
    if (i === 0) {
      if (e.type !== 'CREATE') return { error: `journal starts with ${e.type}, not CREATE` };
      snapshot = firstSnapshot(machine, { ...(e.payload as object), occurredAt });
    } else {
      const event = { ...(e.payload as object), type: e.type, occurredAt };
      if (!snapshot!.can(event)) return { error: `seq ${e.seq}: ${e.type} is refused on replay in ${statePath(snapshot!.value)}` };
      snapshot = nextSnapshot(machine, snapshot!, event);
    }
    if (statePath(snapshot!.value) !== e.toState) {
      return { error: `seq ${e.seq}: replay reached ${statePath(snapshot!.value)}, journal says ${e.toState}` };
    }
  }
  if (!snapshot) return { error: 'empty journal' };
  return { snapshot };
}

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
  // One batch: the next `batch` entities by id, and every journal row of theirs. Entities come in
  // id order, so theirs are exactly the journal rows whose entity id lies between the first and
  // the last (a range scan of the journal's primary key, not a list of ids).
  const fetchBatch = async (after: string | null) => {
    const rows = (await db
      .select({ id: table.id, number: table.number, state: table.state, snapshot: table.snapshot, version: table.version, machineVersion: table.machineVersion })
      .from(table)
      .where(after ? gt(table.id, after) : undefined)
      .orderBy(asc(table.id))
      .limit(batch)) as EntityRow[];
    if (rows.length === 0) return { rows, events: [] };
    const events = (await db
      .select({ key, seq: journal.seq, type: journal.type, payload: journal.payload, occurredAt: journal.occurredAt, toState: journal.toState })
      .from(journal)
      .where(and(gte(key, rows[0].id), lte(key, rows.at(-1)!.id)))
      .orderBy(asc(key), asc(journal.seq))) as (JournalRow & { key: string })[];
    return { rows, events };
  };
  let next = fetchBatch(null);
  for (;;) {
    const { rows, events } = await next;
    if (rows.length === 0) return result;
    // The database reads the next batch while this one replays.
    next = fetchBatch(rows.at(-1)!.id);
    next.catch(() => {}); // awaited on the next turn; a failure there is thrown there, not unhandled
    const byId = new Map<string, JournalRow[]>();
    for (const e of events) {
      let list = byId.get(e.key);
      if (!list) byId.set(e.key, (list = []));
      list.push(e);
    }
    for (const row of rows) {
      const list = byId.get(row.id) ?? [];
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
      else if (canonical(store.spec.machine.getPersistedSnapshot(snapshot!)) !== canonical(stored)) {
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

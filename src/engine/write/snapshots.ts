/**
 * A stored row's snapshot, read and written: migrated up from an older machine version when the
 * row was stored under one, resolved on the current machine, persisted as xstate persists it.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { migrateSnapshot, SNAPSHOT_MIGRATIONS, type MigrationRegistry, type PersistedSnapshot } from '../../machines/migrations.js';
import { MachineVersionMismatch } from '../errors.js';
import type { EntityRow, EntityStore } from '../stores.js';

/**
 * A stored row's persisted snapshot on the current machine definition: as stored, or migrated up
 * from the older version that wrote it. Pure (no write): the next event stores the migrated
 * snapshot under the current version. A newer version, or an older one with no migration path,
 * is refused (409), never read as if it were current.
 */
export function migratedSnapshot(store: EntityStore, row: EntityRow, migrations: MigrationRegistry = SNAPSHOT_MIGRATIONS): PersistedSnapshot {
  const persisted = row.snapshot as PersistedSnapshot;
  if (row.machineVersion === store.spec.version) return persisted;
  const m = migrateSnapshot(migrations[store.spec.name] ?? [], persisted, row.machineVersion, store.spec.version);
  if (!m.ok) throw new MachineVersionMismatch(row.machineVersion, store.spec.version, store.spec.name);
  return m.snapshot;
}

/** The snapshot of a stored row, on the current machine definition (migrated when older). */
export function restore(store: EntityStore, row: EntityRow, migrations?: MigrationRegistry): AnyMachineSnapshot {
  const persisted = migratedSnapshot(store, row, migrations);
  return store.spec.machine.resolveState({ value: persisted.value as any, context: persisted.context });
}

/**
 * The snapshot as the row's `snapshot` column stores it: xstate's `getPersistedSnapshot`, key for
 * key (test/engine/transition.test.ts compares the JSON of both at every step of whole journeys of
 * both machines). Built here when the snapshot has no child actor and no history: xstate's own
 * copies the snapshot apart from its functions (a rest spread) and walks the whole context for
 * actor refs to replace, ~2% of the server's CPU under `npm run bench`. A context here holds none:
 * the machines spawn and invoke nothing (an actor spawned in an `assign` would be among the
 * snapshot's children), and what they assign is event data, parsed by zod objects that keep only
 * the keys they name (none is `sessionId`, `send` or `ref`, the keys xstate takes for an actor).
 */
export function persist(store: EntityStore, snapshot: AnyMachineSnapshot): unknown {
  if (hasKeys(snapshot.children) || hasKeys(snapshot.historyValue)) return store.spec.machine.getPersistedSnapshot(snapshot);
  const { status, output, error, value, context } = snapshot;
  return { status, output, error, value, historyValue: {}, context, children: {} };
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

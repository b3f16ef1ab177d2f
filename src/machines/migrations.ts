/**
 * Snapshot migrations (DESIGN.md §5: "snapshots written by an older version are migrated …
 * explicitly, never silently misread").
 *
 * A machine definition carries a version (`CASE_MACHINE_VERSION`, stored per row in
 * `machine_version`). When a change to a definition changes how a stored snapshot must be read
 * (a context field added, renamed or retyped, a state renamed), the version is bumped and one
 * migration `{ from: n, to: n + 1 }` is registered here for that machine. The engine's `restore()`
 * chains them from the stored version up to the current one; the next event written stores the
 * migrated snapshot under the current version. A version with no path up, or a version newer than
 * this code knows, is refused, never guessed at.
 *
 * Pure: no I/O, no clock. A migration gets a deep copy and returns the new persisted snapshot.
 * It sees only the snapshot, so whatever it adds must follow from the snapshot alone; `verify`
 * checks that: a migrated stored snapshot must equal the replay of its journal on the current
 * definition.
 *
 * Production has no migrations yet: every machine is still at its first version (1). Tests
 * inject a registry of their own (a hand-written v0 case and its v0 → v1 migration).
 */

/** XState's persisted snapshot as stored in the `snapshot` column. */
export interface PersistedSnapshot {
  value: unknown;
  context: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SnapshotMigration {
  from: number;
  to: number;
  /** What changed, for people reading the registry. */
  description: string;
  migrate(snapshot: PersistedSnapshot): PersistedSnapshot;
}

/** Migrations by machine name (`case`, `supervision`). */
export type MigrationRegistry = Readonly<Record<string, readonly SnapshotMigration[] | undefined>>;

/** The production registry. Add a step here when a machine's version is bumped. */
export const SNAPSHOT_MIGRATIONS: MigrationRegistry = {
  case: [],
  supervision: [],
};

export type MigrationOutcome =
  | { ok: true; snapshot: PersistedSnapshot; applied: SnapshotMigration[] }
  | { ok: false; reason: 'newer'; stored: number; current: number }
  | { ok: false; reason: 'missing'; stored: number; current: number; missingFrom: number };

/**
 * Brings a persisted snapshot from version `stored` to `current` through the registered steps.
 *
 * @example
 * migrateSnapshot([{ from: 0, to: 1, description: '…', migrate: (s) => s }], snap, 0, 1) // { ok: true, … }
 */
export function migrateSnapshot(
  migrations: readonly SnapshotMigration[],
  snapshot: PersistedSnapshot,
  stored: number,
  current: number,
): MigrationOutcome {
  if (stored > current) return { ok: false, reason: 'newer', stored, current };
  let s = snapshot;
  const applied: SnapshotMigration[] = [];
  for (let v = stored; v < current; v++) {
    const step = migrations.filter((m) => m.from === v);
    // Exactly one step, and only one version at a time: a registry that skips or forks is a bug.
    if (step.length !== 1 || step[0].to !== v + 1) return { ok: false, reason: 'missing', stored, current, missingFrom: v };
    s = step[0].migrate(structuredClone(s));
    applied.push(step[0]);
  }
  return { ok: true, snapshot: s, applied };
}

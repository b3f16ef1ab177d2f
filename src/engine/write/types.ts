/**
 * What the write path takes and gives back: the engine's context, an Idempotency-Key, the
 * caller's `render`, and the result — data only; the edge (API, web) turns it into a response.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { Db } from '../../db/client.js';
import type { MigrationRegistry } from '../../machines/migrations.js';
import type { EntityRow } from '../stores.js';

export interface EngineContext {
  db: Db;
  /** The clock; tests and the sweeper may pin it. */
  now?: () => Date;
  requestId?: string;
  /**
   * Snapshot migrations for rows stored under an older machine version; default the production
   * registry. Tests inject their own (a hand-written older definition and its migration).
   */
  migrations?: MigrationRegistry;
}

export interface Idempotency {
  key: string;
  /** Hash of what identifies the request: method, path and body (`requestHash`). */
  hash: string;
}

/** What a write hands to `render`: the row and snapshot as written, and the view's data. */
export interface Written {
  row: EntityRow;
  snapshot: AnyMachineSnapshot;
  seq: number;
  type: string;
  /** `EntityStore.viewData`, read with the row. */
  data: unknown;
}

/** A write's answer. */
export interface Rendered {
  body: unknown;
  /** The personal data the body shows in full (`parties.idNumber,parties.phone`): logged with the write. */
  accessLog?: string;
}

export interface WriteOptions {
  idempotency?: Idempotency;
  /**
   * The response, from what is written, with no query of its own: it is stored with the
   * idempotency key, and its access-log row written, in the write's own statement.
   */
  render: (written: Written) => Rendered;
}

export interface EventOptions extends WriteOptions {
  /** The client pinned this version with If-Match: a lost race answers 412 instead of retrying. */
  ifMatch?: number;
  /** Set by the sweeper: the deadline row this event fires (at most once). */
  firingDeadlineId?: number;
  /**
   * Set by the sweeper: a deadline event happens at its due time, or, when a user's event was
   * recorded after that but before the sweep, just after that event.
   */
  notBeforeLastEvent?: boolean;
}

export interface WriteResult {
  /** The write created the entity (a creation; the edge answers 201), else it applied an event. */
  created: boolean;
  body: unknown;
  /** `body` as JSON, when the write serialized it already (to store it): answer with these bytes. */
  json?: string;
  /** True when this is the stored first response to a repeated Idempotency-Key. */
  replayed: boolean;
}

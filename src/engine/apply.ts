/**
 * The only writer. Every change to a case or a supervision item is one call here: `createEntity`
 * opens one, `createEntities` many at once (a batched import), `applyEvent` applies one event to one. Each concern of the write path lives in
 * src/engine/write/:
 *
 * - types.ts        what a write takes and returns (data; the edge makes the HTTP answer)
 * - create.ts       creation: initial state, journal row 1, deadlines, in one transaction
 * - create-many.ts  many creations in one transaction, multi-row, the same rows (an import)
 * - event.ts        an event: read, pure transition and checks, compare-and-swap, retry
 * - sql.ts          the two statements of an event: the read, and the swap with its rows
 * - journal.ts      the one journal-row builder (create, event, scripts/seed.ts), occurredAt rules
 * - idempotency.ts  Idempotency-Key: the request hash, replays, the stored answer
 * - deadlines.ts    the deadline rows kept in step with the snapshot
 * - snapshots.ts    a stored snapshot restored (migrated from an older machine version) and persisted
 */
export { createEntity } from './write/create.js';
export { createEntities, type CreationOutcome } from './write/create-many.js';
export { applyEvent } from './write/event.js';
export type { EngineContext, EventOptions, Idempotency, Rendered, WriteOptions, WriteResult, Written } from './write/types.js';

/**
 * A worker thread of `npm run seed` (scripts/seed.ts): builds the COPY rows of the chunks of cases
 * it is sent, each from its own random stream, and hands back the bytes (transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildChunk, type ChunkJob, type World } from './seed.js';

const world = workerData.world as World;
parentPort!.on('message', (job: ChunkJob) => {
  const rows = buildChunk(world, job);
  parentPort!.postMessage(rows, [rows.events.buffer, rows.parties.buffer, rows.deadlines.buffer] as ArrayBuffer[]);
});

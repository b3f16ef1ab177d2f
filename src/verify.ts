/** `npm run verify`: replay every journal and report any entity whose replay differs from its snapshot. */
import { openDatabase, PgliteDirInUseError } from './db/client.js';
import { stores } from './engine/registry.js';
import { verifyStore } from './engine/verify.js';
import { readEnv } from './env.js';

const env = readEnv();
const database = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: env.PGLITE_DIR }).catch((err: unknown) => {
  // The server has ./data open: say so (src/db/client.ts, lockPgliteDir).
  if (!(err instanceof PgliteDirInUseError)) throw err;
  console.error(`verify 未能运行 / verify did not run: ${err.message}`);
  process.exit(2);
});
let bad = 0;
for (const store of Object.values(stores)) {
  const started = performance.now();
  const r = await verifyStore(database.db, store, { batch: 1000 });
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(r.events / seconds) : r.events;
  console.log(`${store.type}: ${r.entities} entities, ${r.events} events replayed in ${seconds.toFixed(2)} s (${rate} events/s), ${r.mismatches.length} mismatches`);
  for (const m of r.mismatches) console.log(`  MISMATCH ${m.entityType} ${m.number} (${m.id}): ${m.reason}`);
  bad += r.mismatches.length;
}
await database.close();
process.exit(bad ? 1 : 0);

/** The machines as data (GET /api/machines/:name) and a case's diagram with its state highlighted. */
import { describeMachine, isMachineName, MACHINE_SPECS, type Labels } from '../machines/diagram.js';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { NotFound } from './errors.js';
import { readableCase } from './views.js';

/**
 * Any signed-in user may read the machines: they are the rules, not anyone's data. `labels` name
 * the states and events for people (the edge's words; machine names without them).
 */
export function machineDescription(name: string, labels?: Labels) {
  if (!isMachineName(name)) {
    throw new NotFound('not_found.machine', { name, names: Object.keys(MACHINE_SPECS) });
  }
  return describeMachine(name, labels);
}

/**
 * The case machine's diagram with this case's state highlighted. Read like the case itself
 * (same 404/403), but it shows no personal data, so nothing goes to the access log.
 */
export async function caseDiagram(db: Db, actor: Actor, id: string, labels?: Labels) {
  const { row } = await readableCase(db, actor, id);
  const d = describeMachine('case', labels, row.state);
  return { id: row.id, number: row.number, state: row.state, machine: d.name, machineVersion: d.version, mermaid: d.mermaid };
}

/**
 * The machines' transitions, through the machine's own `transition(snapshot, event, actorScope)`
 * (xstate's ActorLogic interface, what an actor calls for each event). The machines here
 * (src/machines) are pure — no spawned or invoked actors, no delayed events, only `assign`
 * actions, which xstate resolves inside the transition (test/engine/transition.test.ts checks
 * that xstate's pure `transition()` leaves no action to execute on any step of whole journeys) —
 * so the snapshot is the whole result. `verify` replays every journal with these and compares
 * with what the engine stored.
 *
 * Why not xstate's pure `transition()`: in xstate 5.33 each call builds a throwaway actor from the
 * machine alone, whose constructor computes the machine's initial snapshot without input — the
 * machines' context factories read `input`, so that throws, and xstate catches it: a TypeError
 * with its stack for every call (40–50 µs of a ~45 µs transition). Until issue 16's third round
 * each step built an actor restored from the snapshot instead (`createActor(machine, { snapshot })`):
 * its constructor restored the snapshot a second time (`restoreSnapshot`), and starting, sending
 * through its mailbox and stopping it cost as much again as the transition itself — 8.4% of the
 * server's main thread under `npm run bench` at 32 connections, the transition 3.8%. Now one inert
 * actor scope per machine, made as `transition()` makes its own (no-op `defer`, `emit`,
 * `stopChild`), is kept and handed to every step; its actor is built once, from the first
 * snapshot a step is given, so no initial snapshot is computed. An action that would need
 * executing after the step (`actionExecutor`) means a machine is no longer pure: it is refused
 * loudly, not dropped.
 */
import { createActor, type ActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

const scopes = new WeakMap<AnyStateMachine, ActorScope<any, any, any, any>>();

function inertScope(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): ActorScope<any, any, any, any> {
  let scope = scopes.get(machine);
  if (scope) return scope;
  // Restored from a snapshot: the constructor computes no initial snapshot (which needs input).
  const self = createActor(machine, { snapshot });
  scope = {
    self,
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    stopChild: () => {},
    system: self.system,
    actionExecutor: (action: { type: string }) => {
      throw new Error(`The ${machine.id} machine asked to execute the action "${action.type}": its machines must stay pure (src/engine/transition.ts)`);
    },
  } as unknown as ActorScope<any, any, any, any>;
  scopes.set(machine, scope);
  return scope;
}

/** The snapshot after `event` (the same snapshot when the machine refuses it). Throws what a guard or an assign threw. */
export function nextSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot {
  // A final snapshot takes no event (xstate's `transition()` hands it back as it is).
  if (snapshot.status !== 'active') return snapshot;
  return machine.transition(snapshot, event, inertScope(machine, snapshot)) as AnyMachineSnapshot;
}

/** The machine's initial snapshot for `input`. Throws what the context factory threw. */
export function firstSnapshot(machine: AnyStateMachine, input: unknown): AnyMachineSnapshot {
  // The actor computes its initial snapshot when it is made; never started, it runs nothing.
  const snapshot = createActor(machine, { input }).getSnapshot() as AnyMachineSnapshot;
  if (snapshot.status === 'error') throw snapshot.error;
  // xstate builds the initial context by assigning the factory's object into an empty one, which
  // leaves V8 a slow, dictionary-mode object — and every later `assign` copies the context into
  // another such object (Object.assign from a dictionary-mode source). A plain copy has fast
  // properties, and so has every context assigned from it: a replay runs ~3.5x faster (14 → 4 µs
  // per event). Same keys, same order, same values. (A snapshot restored from the database is
  // fast already: its context comes from JSON.parse.)
  (snapshot as { context: unknown }).context = { ...snapshot.context };
  return snapshot;
}

/**
 * Pure transitions without xstate's per-call actor. `transition()` and `initialTransition()`
 * build a throwaway actor for every call — whose constructor even runs the machine's initial
 * state — to get an inert scope: 30 of the 50 µs a case transition costs, and what bounded
 * journal replay (`verify`) to ~20k events/s. The machines here (src/machines) are pure: no
 * spawned or invoked actors, no delayed events, only `assign` actions, which xstate resolves
 * inside the transition. So one inert scope per machine serves every transition, and the
 * snapshots are the same (verify replays every journal with these and compares with what the
 * engine stored).
 */
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

function inertScope(machine: AnyStateMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (!scope) {
    // As xstate's own inert scope: an actor never started, every effect a no-op. Executable
    // actions are dropped (the pure functions return them; nothing here would run them).
    const self = createActor(machine);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    } as unknown as AnyActorScope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** `transition(machine, snapshot, event)[0]`, without the per-call actor. */
export function nextSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot {
  return machine.transition(snapshot, event, inertScope(machine));
}

/** `initialTransition(machine, input)[0]`, without the per-call actor. */
export function firstSnapshot(machine: AnyStateMachine, input: unknown): AnyMachineSnapshot {
  const snapshot = machine.getInitialSnapshot(inertScope(machine), input);
  // xstate builds the initial context by assigning the factory's object into an empty one, which
  // leaves V8 a slow, dictionary-mode object — and every later `assign` copies the context into
  // another such object (Object.assign from a dictionary-mode source). A plain copy has fast
  // properties, and so has every context assigned from it: a replay runs ~3.5x faster (14 → 4 µs
  // per event). Same keys, same order, same values. (A snapshot restored from the database is
  // fast already: its context comes from JSON.parse.)
  (snapshot as { context: unknown }).context = { ...snapshot.context };
  return snapshot;
}

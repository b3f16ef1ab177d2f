/**
 * The machines' transitions, through xstate's public actor API. The machines here (src/machines)
 * are pure — no spawned or invoked actors, no delayed events, only `assign` actions, which xstate
 * resolves inside the transition (test/engine/transition.test.ts checks that xstate's pure
 * `transition()` leaves no action to execute on any step of whole journeys) — so the snapshot is
 * the whole result, and an actor that runs the step executes nothing. `verify` replays every
 * journal with these and compares with what the engine stored.
 *
 * Why not xstate's pure `transition()` / `initialTransition()`: in xstate 5.33 each call builds a
 * throwaway actor from the machine alone, whose constructor computes the machine's initial
 * snapshot without input — the machines' context factories read `input`, so that throws, and
 * xstate catches it: a TypeError with its stack for every call. That was 40–50 µs of a ~45 µs
 * transition. An actor restored from the snapshot (`createActor(machine, { snapshot })`, xstate's
 * way of resuming a persisted snapshot) computes no initial snapshot: 14–17 µs per step, the same
 * snapshot (the test compares them on every step).
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

/** The snapshot after `event` (the same snapshot when the machine refuses it). Throws what a guard or an assign threw. */
export function nextSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot {
  // A final snapshot takes no event (xstate's `transition()` hands it back as it is).
  if (snapshot.status !== 'active') return snapshot;
  let failure: { error: unknown } | undefined;
  const actor = createActor(machine, { snapshot });
  // An error in a guard or an assign fails the actor: caught here and thrown to the caller, as
  // `transition()` throws it (an actor with no error listener would report it as uncaught).
  actor.subscribe({ error: (error) => void (failure = { error }) });
  actor.start();
  actor.send(event);
  const next = actor.getSnapshot();
  actor.stop();
  if (failure) throw failure.error;
  return next;
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

/**
 * The engine's transitions (src/engine/transition.ts: an actor restored from the snapshot) must
 * give exactly the snapshots xstate's pure `initialTransition` / `transition` give, through whole
 * journeys of both machines, refused events included; and the pure functions must leave no action
 * to execute on any step — the machines are pure, so the actor that runs a step executes nothing.
 * At every step the snapshot the engine stores (`persist`, built without xstate's walk of the
 * context) is, byte for byte, the JSON of xstate's own `getPersistedSnapshot`.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, initialTransition, setup, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { caseSpec } from '../../src/machines/case-spec.js';
import { supervisionSpec } from '../../src/machines/supervision-spec.js';
import { statePath, type MachineSpec } from '../../src/machines/spec.js';
import { firstSnapshot, nextSnapshot } from '../../src/engine/transition.js';
import { canonical } from '../../src/engine/write/idempotency.js';
import { persist } from '../../src/engine/write/snapshots.js';
import { caseStore, supervisionStore, type EntityStore } from '../../src/engine/stores.js';
import { at, caseInput, preFilingJourney, referralInput, supervisionInput, supervisionJourney, walk, type JourneyEvent } from '../helpers/journeys.js';

/** Walks the engine and xstate's pure functions side by side; the states the journey passed through. */
function walkBoth(spec: MachineSpec, input: unknown, events: JourneyEvent[]): string[] {
  const machine = spec.machine;
  const persisted = (s: AnyMachineSnapshot) => canonical(machine.getPersistedSnapshot(s));
  const store = [caseStore, supervisionStore].find((s) => s.spec.machine === machine)!;
  const stored = (s: AnyMachineSnapshot) => expect(JSON.stringify(persist(store, s))).toBe(JSON.stringify(machine.getPersistedSnapshot(s)));
  let pure: AnyMachineSnapshot;
  let actions: unknown[];
  const states: string[] = [];
  walk(spec, input, events, (fast, step) => {
    if (!step) [pure, actions] = initialTransition(machine, input);
    else {
      expect(step.before.can(step.event)).toBe(pure.can(step.event));
      [pure, actions] = transition(machine, pure, step.event);
    }
    expect(actions).toEqual([]);
    expect(persisted(fast)).toBe(persisted(pure));
    stored(fast);
    states.push(statePath(fast.value));
  });
  return states;
}

describe('transitions through a restored actor', () => {
  it('match xstate through a pre-filing case: recusal, pause, extension, confirmation, default, enforcement', () => {
    const states = walkBoth(caseSpec, caseInput(), preFilingJourney({ detours: true }));
    expect(states).toContain('mediation.paused');
    expect(states).toContain('enforcement.suspended');
    expect(states.at(-1)).toBe('closed');
  });

  it('match xstate for an enforcement referral (eventless start) and a supervision item', () => {
    const referral = walkBoth(caseSpec, referralInput, [
      { type: 'RECORD_RECOVERY', amount: '5000.00', occurredAt: at(3) },
      { type: 'CONCLUDE', result: 'fulfilled', occurredAt: at(4) },
    ]);
    expect(referral[0]).toBe('enforcement.active');
    const supervision = walkBoth(supervisionSpec, supervisionInput, supervisionJourney);
    expect(supervision.at(-1)).toBe('closed');
  });

  it('match xstate on the other ways a case closes: returned, withdrawn, failed, expired, denied confirmation, installments, a default and a lawsuit', () => {
    const assigned = [
      { type: 'ACCEPT', occurredAt: at(1) },
      { type: 'ASSIGN', deputyIds: ['d1'], mediatorName: '王芳', occurredAt: at(2) },
    ];
    const ends = [
      walkBoth(caseSpec, caseInput(), [{ type: 'RETURN', reason: 'out_of_scope', occurredAt: at(1) }]),
      walkBoth(caseSpec, caseInput(), [...assigned, { type: 'WITHDRAW', occurredAt: at(3) }]),
      walkBoth(caseSpec, caseInput(), [...assigned, { type: 'FAIL', reason: 'refused', occurredAt: at(3) }]),
      walkBoth(caseSpec, caseInput(), [...assigned, { type: 'MEDIATION_EXPIRED', occurredAt: at(60) }]),
      walkBoth(caseSpec, caseInput(), [
        ...assigned,
        {
          type: 'REACH_AGREEMENT',
          terms: '分两期',
          amount: '12000.00',
          dueDate: '2026-06-01',
          installments: [
            { amount: '6000.00', dueDate: '2026-05-01' },
            { amount: '6000.00', dueDate: '2026-06-01' },
          ],
          occurredAt: at(3),
        },
        { type: 'APPLY_CONFIRMATION', occurredAt: at(4) },
        { type: 'DENY_CONFIRMATION', reason: '协议违法', occurredAt: at(5) },
        { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '10000.00', dueDate: '2026-03-20', occurredAt: at(6) },
        { type: 'RECORD_PERFORMANCE', amount: '1000.00', occurredAt: at(7) },
        { type: 'PERFORMANCE_OVERDUE', occurredAt: at(30) },
        { type: 'FILE_LAWSUIT', occurredAt: at(31) },
      ]),
    ];
    expect(ends.map((states) => states.at(-1))).toEqual(ends.map(() => 'closed'));
  });

  it('persist as xstate does a snapshot with history or a child actor (its context holding the ref)', () => {
    const machine = setup({
      types: { context: {} as { ref: unknown }, events: {} as { type: 'SPAWN' } | { type: 'OUT' } | { type: 'BACK' } },
      actors: { child: setup({}).createMachine({ initial: 'idle', states: { idle: {} } }) },
    }).createMachine({
      context: { ref: null },
      initial: 'work',
      states: {
        work: {
          initial: 'a',
          states: { a: { on: { SPAWN: { target: 'b', actions: assign({ ref: ({ spawn }) => spawn('child', { id: 'kid' }) }) } } }, b: {}, memo: { type: 'history' } },
          on: { OUT: 'away' },
        },
        away: { on: { BACK: 'work.memo' } },
      },
    });
    const store = { spec: { machine } } as unknown as EntityStore;
    const json = (s: AnyMachineSnapshot) => JSON.stringify(persist(store, s));
    const away = nextSnapshot(machine, firstSnapshot(machine, undefined), { type: 'OUT' });
    expect(Object.keys(away.historyValue)).not.toEqual([]);
    expect(json(away)).toBe(JSON.stringify(machine.getPersistedSnapshot(away)));
    const spawned = nextSnapshot(machine, firstSnapshot(machine, undefined), { type: 'SPAWN' });
    expect(Object.keys(spawned.children)).toEqual(['kid']);
    expect(json(spawned)).toBe(JSON.stringify(machine.getPersistedSnapshot(spawned)));
    expect(json(spawned)).toContain('"xstate$$type"');
  });

  it('throw what a guard, an assign or the context factory threw, as the pure functions do, and report nothing as uncaught', async () => {
    const machine = setup({
      types: { context: {} as { n: number }, input: {} as { n: number }, events: {} as { type: 'GO' } | { type: 'BAD' } | { type: 'WORSE' } },
      guards: { broken: () => { throw new Error('guard failed'); } },
    }).createMachine({
      context: ({ input }) => ({ n: input.n }),
      initial: 'a',
      states: {
        a: {
          on: {
            GO: { target: 'b', actions: assign({ n: ({ context }) => context.n + 1 }) },
            BAD: { guard: 'broken', target: 'b' },
            WORSE: { actions: assign({ n: () => { throw new Error('assign failed'); } }) },
          },
        },
        b: { type: 'final' },
      },
    });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const first = firstSnapshot(machine, { n: 1 });
      expect(() => nextSnapshot(machine, first, { type: 'BAD' })).toThrow('guard failed');
      expect(() => transition(machine, first, { type: 'BAD' })).toThrow('guard failed');
      expect(() => nextSnapshot(machine, first, { type: 'WORSE' })).toThrow('assign failed');
      expect(() => firstSnapshot(machine, undefined)).toThrow(TypeError);
      const done = nextSnapshot(machine, first, { type: 'GO' });
      expect([done.status, done.context.n, first.context.n]).toEqual(['done', 2, 1]);
      // A final snapshot takes nothing: the same snapshot back.
      expect(persistedOf(machine, nextSnapshot(machine, done, { type: 'GO' }))).toBe(persistedOf(machine, done));
      await new Promise((r) => setTimeout(r, 20)); // xstate reports an unhandled actor error on a timer
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('refuse a machine that would leave an action to execute: the machines must stay pure', () => {
    const said: string[] = [];
    const machine = setup({ types: { events: {} as { type: 'GO' } } }).createMachine({
      initial: 'a',
      states: { a: { on: { GO: { target: 'b', actions: () => said.push('ran') } } }, b: {} },
    });
    const first = createActor(machine).getSnapshot();
    // xstate's pure transition() hands the action back to execute; the engine's step refuses it.
    const [, actions] = transition(machine, first, { type: 'GO' });
    expect(actions).toHaveLength(1);
    expect(() => nextSnapshot(machine, first, { type: 'GO' })).toThrow(/must stay pure/);
    expect(said).toEqual([]);
  });
});

function persistedOf(machine: AnyStateMachine, s: AnyMachineSnapshot): string {
  return canonical(machine.getPersistedSnapshot(s));
}

/**
 * The events offered to a caller (`offeredEvents`: nextEvents and backdatableEvents) are the same
 * whether each is asked of the probe or, when the state fixes its answer (spec.ts `fixedAnswers`),
 * read from the machine's transitions: along whole journeys of both machines, for every kind of
 * caller, today and a while after the last event (so the backdated ones are tried too).
 */
import { describe, expect, it } from 'vitest';
import { setup, type AnyMachineSnapshot } from 'xstate';
import { caseSpec } from '../../src/machines/case-spec.js';
import { supervisionSpec } from '../../src/machines/supervision-spec.js';
import { handledEvents, offeredEvents, probeOf, type MachineSpec } from '../../src/machines/spec.js';
import { permits } from '../../src/machines/policy.js';
import type { Actor } from '../../src/machines/roles.js';
import { at, caseInput, day, preFilingJourney, referralInput, supervisionInput, supervisionJourney, t0, walk, type JourneyEvent } from '../helpers/journeys.js';

/** The lists as they were made before: every candidate asked of the probe, at each instant. */
function probedEvents(spec: MachineSpec, snapshot: AnyMachineSnapshot, actor: Actor, now: string) {
  if (snapshot.status !== 'active') return { nextEvents: [], backdatableEvents: [] };
  const facts = spec.facts(snapshot);
  const handled = handledEvents(snapshot);
  const candidates = Object.keys(spec.eventSchemas).filter((type) => handled.includes(type) && spec.permissions[type] !== undefined && permits(spec.permissions[type], actor, facts));
  const probe = spec.probe.resolveState({ value: snapshot.value, context: snapshot.context });
  const take = (types: string[], occurredAt: string) => types.filter((type) => probe.can({ type, occurredAt, ...(actor.deputyId ? { deputyId: actor.deputyId } : {}) }));
  const today = take(candidates, now);
  const last = (snapshot.context as { lastEventAt?: unknown }).lastEventAt;
  if (typeof last !== 'string' || Date.parse(last) >= Date.parse(now)) return { nextEvents: today, backdatableEvents: [] };
  return { nextEvents: today, backdatableEvents: take(candidates.filter((t) => !today.includes(t)), last) };
}

const actors: Actor[] = [
  { id: 'u1', role: 'court', name: '法官' },
  { id: 'u2', role: 'deputy', name: '代表甲', deputyId: 'd1' },
  { id: 'u3', role: 'deputy', name: '代表丙', deputyId: 'd9' },
  { id: 'u4', role: 'station', name: '站员', stationCode: 'HL01' },
  { id: 'u5', role: 'station', name: '他站', stationCode: 'HL02' },
  { id: 'u6', role: 'committee', name: '人大' },
  { id: 'u7', role: 'admin', name: '管理员' },
  { id: 'u8', role: 'system', name: 'system' },
];

/** Every snapshot of the journey compared for every caller at several instants; how many lists were not empty. */
function walkOffered(spec: MachineSpec, input: unknown, events: JourneyEvent[]) {
  let offered = 0;
  walk(spec, input, events, (snapshot, step) => {
    const lastDay = step ? (Date.parse(step.event.occurredAt) - t0) / day : 0;
    for (const actor of actors) {
      for (const later of [0, 0.5, 3, 40, 400]) {
        const now = at(lastDay + later);
        const got = offeredEvents(spec, snapshot, actor, now);
        expect(got).toEqual(probedEvents(spec, snapshot, actor, now));
        offered += got.nextEvents.length + got.backdatableEvents.length;
      }
    }
  });
  return offered;
}

describe('offeredEvents with the answers a state fixes', () => {
  it('are the probe’s through a pre-filing case: mediation, pause, extension, instalments, confirmation, default, enforcement', () => {
    const offered = walkOffered(caseSpec, caseInput(), preFilingJourney());
    expect(offered).toBeGreaterThan(500);
  });

  it('are the probe’s through a post-filing case left to default, a mediation that expires, and a supervision item', () => {
    expect(
      walkOffered(caseSpec, caseInput({ track: 'post_filing' }), [
        { type: 'ACCEPT', occurredAt: at(1) },
        { type: 'ASSIGN', deputyIds: ['d1'], occurredAt: at(2) },
        { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '12000.00', dueDate: '2026-04-01', occurredAt: at(3) },
        { type: 'REPORT_DEFAULT', occurredAt: at(40) },
        { type: 'RECORD_PERFORMANCE', amount: '1000.00', occurredAt: at(41) },
      ]),
    ).toBeGreaterThan(50);
    expect(
      walkOffered(caseSpec, caseInput(), [
        { type: 'ACCEPT', occurredAt: at(1) },
        { type: 'ASSIGN', deputyIds: ['d1'], occurredAt: at(2) },
        { type: 'MEDIATION_EXPIRED', occurredAt: at(60) },
      ]),
    ).toBeGreaterThan(20);
    expect(
      walkOffered(caseSpec, referralInput, [
        { type: 'RECORD_RECOVERY', amount: '5000.00', occurredAt: at(3) },
      ]),
    ).toBeGreaterThan(5);
    expect(
      walkOffered(supervisionSpec, supervisionInput, supervisionJourney),
    ).toBeGreaterThan(10);
  });
});

describe('offeredEvents on a machine with every kind of transition', () => {
  // Fixed guards answering no before one answering yes, forbidden and targetless transitions, a
  // guard on the context, one on the time, an event handled by the parent only and one the child
  // overrides: each answered as the probe answers it.
  const machine = setup({
    types: {} as { context: { open: boolean; lastEventAt: string }; events: { type: string; occurredAt: string } },
    guards: {
      payloadYes: () => false,
      payloadNo: () => true,
      isOpen: ({ context }) => context.open,
      beforeMarch20: ({ event }) => event.occurredAt < '2026-03-20',
    },
  }).createMachine({
    id: 't',
    context: { open: true, lastEventAt: at(0) },
    initial: 'outer',
    states: {
      outer: {
        on: { PARENT: { target: 'done' }, OVERRIDDEN: { target: 'done' }, PARENT_FORBIDDEN: {} },
        initial: 'inner',
        states: {
          inner: {
            on: {
              NO_THEN_YES: [{ guard: 'payloadNo', target: '#t.done' }, { target: '#t.done' }],
              NO_ONLY: [{ guard: 'payloadNo', target: '#t.done' }],
              NO_THEN_FORBIDDEN: [{ guard: 'payloadNo', target: '#t.done' }, {}],
              YES_TARGETLESS: [{ guard: 'payloadYes', actions: () => {} }],
              YES_FORBIDDEN: [{ guard: 'payloadYes' }],
              CONTEXT: [{ guard: 'isOpen', target: '#t.done' }],
              FIXED_THEN_CONTEXT: [{ guard: 'payloadNo', target: '#t.done' }, { guard: 'isOpen', target: '#t.done' }],
              TIME: [{ guard: 'beforeMarch20', target: '#t.done' }],
              OVERRIDDEN: {},
            },
          },
        },
      },
      done: { type: 'final' },
    },
  });
  const types = ['NO_THEN_YES', 'NO_ONLY', 'NO_THEN_FORBIDDEN', 'YES_TARGETLESS', 'YES_FORBIDDEN', 'CONTEXT', 'FIXED_THEN_CONTEXT', 'TIME', 'PARENT', 'OVERRIDDEN', 'PARENT_FORBIDDEN'];
  const probeGuards = { payloadYes: true, payloadNo: false };
  const spec = {
    machine,
    probe: probeOf(machine, probeGuards),
    probeGuards,
    eventSchemas: Object.fromEntries(types.map((t) => [t, null])),
    permissions: Object.fromEntries(types.map((t) => [t, { court: true }])),
    facts: () => ({}),
  } as unknown as MachineSpec;

  it('are the probe’s, and take what a fixed answer allows', () => {
    const court = actors[0];
    for (const open of [true, false]) {
      const snapshot = machine.resolveState({ value: { outer: 'inner' }, context: { open, lastEventAt: at(10) } });
      for (const now of [at(10), at(30)]) expect(offeredEvents(spec, snapshot, court, now)).toEqual(probedEvents(spec, snapshot, court, now));
    }
    const snapshot = machine.resolveState({ value: { outer: 'inner' }, context: { open: false, lastEventAt: at(20) } });
    expect(offeredEvents(spec, snapshot, court, at(30))).toEqual({
      nextEvents: ['NO_THEN_YES', 'YES_TARGETLESS', 'PARENT'],
      backdatableEvents: [],
    });
    expect(offeredEvents(spec, machine.resolveState({ value: { outer: 'inner' }, context: { open: true, lastEventAt: at(10) } }), court, at(30))).toEqual({
      nextEvents: ['NO_THEN_YES', 'YES_TARGETLESS', 'CONTEXT', 'FIXED_THEN_CONTEXT', 'PARENT'],
      backdatableEvents: ['TIME'],
    });
  });
});

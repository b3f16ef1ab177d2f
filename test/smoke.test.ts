import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

describe('a case from intake to performance', () => {
  it('walks through the API', async () => {
    const c = await w.openCase();
    expect(c.state).toBe('intake.screening');
    expect(c.number).toMatch(/^\d{4}-HL01-\d{6}$/);
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const agreed = await w.send(c.id, w.tokens.deputyA, { type: 'REACH_AGREEMENT', terms: '一次性还款', amount: '20000', dueDate: '2030-01-01' });
    expect(agreed.state).toBe('agreement.performing');
    const done = await w.send(c.id, w.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '20000.00' });
    expect(done.state).toBe('closed');
    expect(done.outcome).toBe('performed');
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(h.body.items.map((i: any) => i.type)).toEqual(['CREATE', 'ACCEPT', 'ASSIGN', 'REACH_AGREEMENT', 'RECORD_PERFORMANCE']);
  });
});

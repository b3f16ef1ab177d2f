/**
 * The labels beside the machine's names (src/api/labelled.ts). A write's answer is labelled where
 * it stands (`addLabels`), a read's on a copy (`labelled`): both must read the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

describe('labels', () => {
  it('a closing event answers with the labels a read of the case shows: stateLabel, then outcomeLabel, last', async () => {
    const c = await w.openCase();
    const written = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'WITHDRAW', note: '申请人撤回' });
    expect(written.status).toBe(200);
    const read = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(Object.keys(written.body).slice(-2)).toEqual(['stateLabel', 'outcomeLabel']);
    expect(JSON.stringify(written.body)).toBe(JSON.stringify(read.body));
  });

  it('an event that leaves the case open answers with stateLabel last, as a read shows it', async () => {
    const c = await w.openCase();
    const written = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'ACCEPT' });
    expect(written.status).toBe(200);
    const read = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(Object.keys(written.body).at(-1)).toBe('stateLabel');
    expect(JSON.stringify(written.body)).toBe(JSON.stringify(read.body));
  });
});

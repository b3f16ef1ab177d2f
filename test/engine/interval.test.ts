import { describe, expect, it } from 'vitest';
import { everyInterval } from '../../src/engine/interval.js';

describe('everyInterval (the sweeper and the dispatcher)', () => {
  it('runs passes one at a time, and stop waits for the pass under way', async () => {
    let running = 0;
    let most = 0;
    let passes = 0;
    const stop = everyInterval(5, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30));
      passes++;
      running--;
    });
    await new Promise((r) => setTimeout(r, 120));
    await stop();
    expect(running).toBe(0);
    expect(most).toBe(1);
    expect(passes).toBeGreaterThan(0);
    const after = passes;
    await new Promise((r) => setTimeout(r, 40));
    expect(passes).toBe(after);
  });

  it('does nothing with an interval of 0', async () => {
    let passes = 0;
    const stop = everyInterval(0, async () => {
      passes++;
    });
    await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(passes).toBe(0);
  });
});

/**
 * Runs `pass` every `intervalMs`, never two passes at once in this process (the sweeper and the
 * notice dispatcher). `pass` handles its own errors. The returned stop waits for a pass under way.
 */
export function everyInterval(intervalMs: number, pass: () => Promise<void>): () => Promise<void> {
  if (intervalMs <= 0) return async () => {};
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = pass().finally(() => {
      running = null;
    });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

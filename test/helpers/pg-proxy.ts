/**
 * A TCP proxy in front of PostgreSQL that loses connections on cue, the way a database stopped at
 * the wrong moment does: every connection reset as it arrives (`refuse`), or the connection that
 * sends postgres.js's array-type fetch — the first statement of each new connection — reset just
 * then (`resetTypeFetches`).
 */
import { createServer, connect, type Socket } from 'node:net';

export interface PgProxy {
  /** The URL of `databaseUrl`'s database through this proxy. */
  url: string;
  /** true: every new connection is accepted and reset at once; false: passed through. */
  refuse(on: boolean): void;
  /** The next `n` connections that send the type fetch are reset as they send it. */
  resetTypeFetches(n: number): void;
  /** How many connections were reset as they arrived (`refuse`). */
  refusals(): number;
  /** How many connections were reset at their type fetch. */
  typeFetchResets(): number;
  /** Closes every connection passed through so far (the client sees them end). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function pgProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  let refusing = false;
  let armed = 0;
  let resets = 0;
  let refused = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) {
      refused++;
      return client.resetAndDestroy();
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    open.add(client);
    const end = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (armed > 0 && chunk.includes('pg_catalog.pg_type')) {
        armed--;
        resets++;
        open.delete(client);
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    refuse: (on) => void (refusing = on),
    resetTypeFetches: (n) => void (armed = n),
    refusals: () => refused,
    typeFetchResets: () => resets,
    dropAll: () => {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The sender signs with node:crypto (src/engine/notify/send.ts `signature`), not with the
 * `standardwebhooks` library it was first written with: here, on thousands of random secrets,
 * ids, times and bodies (any Unicode), the signature is byte for byte the library's own
 * `Webhook.sign`, and the library's `verify` — what a receiver runs — accepts the headers.
 */
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signature, signedHeaders } from '../../src/engine/notify/send.js';

const key = fc.uint8Array({ minLength: 1, maxLength: 64 });
const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 60 }));
const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), fc.json());
// Any instant from 1970 to 2100, to the millisecond (the timestamp is whole seconds).
const at = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms));

describe('webhook signatures (Standard Webhooks)', () => {
  it('are byte for byte the standardwebhooks library’s, for whsec_ secrets', () => {
    fc.assert(
      fc.property(key, id, at, body, (k, i, t, b) => {
        const secret = `whsec_${Buffer.from(k).toString('base64')}`;
        expect(signature(secret, i, t, b)).toBe(new Webhook(secret).sign(i, t, b));
      }),
      { numRuns: 5000 },
    );
  });

  it('are the library’s for a secret taken as its text’s bytes (the SMS gateway’s)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((s) => !s.startsWith('whsec_')), id, at, body, (secret, i, t, b) => {
        expect(signature(secret, i, t, b)).toBe(new Webhook(new TextEncoder().encode(secret), { format: 'raw' }).sign(i, t, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('verify with the library as a receiver would, and not with another secret', () => {
    fc.assert(
      // verify parses the body: JSON, as every webhook body is.
      fc.property(key, key, id, fc.json(), (k, other, i, b) => {
        const secret = `whsec_${Buffer.from(k).toString('base64')}`;
        const headers = signedHeaders(secret, i, new Date(), b);
        expect(() => new Webhook(secret).verify(b, headers)).not.toThrow();
        if (Buffer.compare(Buffer.from(k), Buffer.from(other)) !== 0) {
          expect(() => new Webhook(`whsec_${Buffer.from(other).toString('base64')}`).verify(b, headers)).toThrow();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('leave a whsec_ secret that is not plain base64 to the library, which judges it as before', () => {
    for (const secret of ['whsec_', 'whsec_@@@@', 'whsec_YWJj', 'whsec_YWJjZA', 'whsec_YW Jj ZA==']) {
      const ours = (() => {
        try {
          return signature(secret, 'msg_1', new Date(0), '{}');
        } catch (e) {
          return `throws ${(e as Error).message}`;
        }
      })();
      const library = (() => {
        try {
          return new Webhook(secret).sign('msg_1', new Date(0), '{}');
        } catch (e) {
          return `throws ${(e as Error).message}`;
        }
      })();
      expect(ours, secret).toBe(library);
    }
  });
});

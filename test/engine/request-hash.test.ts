/**
 * The idempotency record's request hash is stored: a repeat sent after an upgrade must hash as
 * it did before, or it would be refused as another request (422). `canonical` and `requestHash`
 * are pinned here against their first implementation, kept below as it was written; and so is the
 * token hash the users table stores.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, requestHash } from '../../src/engine/write/idempotency.js';
import { hashToken } from '../../src/engine/directory.js';

function canonicalAsFirstWritten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalAsFirstWritten).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalAsFirstWritten((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
const requestHashAsFirstWritten = (target: string, body: unknown) => createHash('sha256').update(`${target}\n${canonicalAsFirstWritten(body)}`).digest('hex');

describe('canonical and requestHash', () => {
  it('give what they first gave, for any JSON document', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, target) => {
        expect(canonical(value)).toBe(canonicalAsFirstWritten(value));
        expect(requestHash(target, value)).toBe(requestHashAsFirstWritten(target, value));
      }),
      { numRuns: 2000 },
    );
  });

  it('give what they first gave for values JSON does not make (undefined, holes, functions, dates, -0, NaN)', () => {
    fc.assert(
      fc.property(fc.anything({ withSparseArray: true, withDate: true, withNullPrototype: true, withObjectString: true }), (value) => {
        expect(canonical(value)).toBe(canonicalAsFirstWritten(value));
      }),
      { numRuns: 2000 },
    );
    const odd = [undefined, [undefined, 1], [, 2], { a: undefined, b: () => 1 }, [() => 1, Symbol('s')], { b: 1, a: [{ d: undefined, c: null }] }, new Date(0), -0, NaN, { '': { __proto__: 1 } }, JSON.parse('{"__proto__":{"x":1},"a":"\\u0000\\ud800"}')];
    for (const value of odd) expect(canonical(value)).toBe(canonicalAsFirstWritten(value));
  });

  it('orders keys, so two equal documents hash alike', () => {
    expect(canonical({ b: [2, { y: 1, x: 'é' }], a: null, '10': 1, '9': 2 })).toBe('{"10":1,"9":2,"a":null,"b":[2,{"x":"é","y":1}]}');
    expect(requestHash('POST /api/cases', { b: 1, a: 2 })).toBe(requestHash('POST /api/cases', { a: 2, b: 1 }));
  });

  it('hashes a token as the users table stores it: SHA-256, hex', () => {
    expect(hashToken('jf_example')).toBe(createHash('sha256').update('jf_example').digest('hex'));
    expect(hashToken('令牌')).toBe(createHash('sha256').update('令牌', 'utf8').digest('hex'));
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

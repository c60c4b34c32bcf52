/** src/validate/checks/derive.ts: divisor hints by trial division to √n — exact and bounded. */
import { expect, test } from 'vitest';
import { divisors } from '../../src/validate/checks/derive.js';

const naive = (n: number, limit: number) => {
  const out: number[] = [];
  for (let d = 1; d <= n && out.length < limit; d++) if (n % d === 0) out.push(d);
  return out;
};

test('the smallest `limit` divisors, ascending, as counting up would find them', () => {
  for (let n = 1; n <= 3000; n++) for (const limit of [1, 4, 8, 12, 64]) expect(divisors(n, limit)).toEqual(naive(n, limit));
});

test('huge inputs: primes near 2^53 and 2^32 + 1 answer from at most 65,536 trial divisions', () => {
  expect(divisors(9007199254740881, 64)).toEqual([1, 9007199254740881]);
  expect(divisors(4294967297, 12)).toEqual([1, 641, 6700417, 4294967297]);
  // Past 2^32 the search stops at 65,536: only divisors found so far (and their co-divisors).
  expect(divisors(2 ** 52, 4)).toEqual([1, 2, 4, 8]);
  expect(divisors(0, 4)).toEqual([]);
  expect(divisors(2 ** 53 + 2, 4)).toEqual([]);
});

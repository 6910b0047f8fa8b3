import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/lib/coalescer.ts';

/** A run that records its batches and finishes when told to. */
function recorder() {
  const runs: string[][] = [];
  const pending: (() => void)[] = [];
  const run = (items: string[]) =>
    new Promise<(string | Error)[]>((resolve) => {
      runs.push(items);
      pending.push(() => resolve(items.map((x) => (x.startsWith('bad') ? new Error(`no ${x}`) : x.toUpperCase()))));
    });
  const finishAll = async () => {
    while (pending.length) {
      pending.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { runs, run, finishAll };
}

describe('Coalescer', () => {
  it('starts a lone item at once and groups what arrives while every slot is busy, in order', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxBatch: 10, maxInFlight: 2, key: (x: string) => x });
    const out = ['a', 'b', 'c', 'd', 'e'].map((x) => c.submit(x));
    expect(r.runs).toEqual([['a'], ['b']]);
    await r.finishAll();
    expect(await Promise.all(out)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(r.runs).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
  });

  it('never puts two items with one key in the same run, and respects maxBatch', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxBatch: 2, maxInFlight: 1, key: (x: string) => x[0]! });
    const out = ['x1', 'y1', 'x2', 'z1', 'x3'].map((x) => c.submit(x));
    await r.finishAll();
    await Promise.all(out);
    expect(r.runs).toEqual([['x1'], ['y1', 'x2'], ['z1', 'x3']]);
  });

  it('fails only the item its run reports as failed, and every item of a run that throws', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxBatch: 10, maxInFlight: 1, key: (x: string) => x });
    const settled = Promise.allSettled([c.submit('a'), c.submit('bad1'), c.submit('b')]);
    await r.finishAll();
    const [a, bad, b] = await settled;
    expect(a).toEqual({ status: 'fulfilled', value: 'A' });
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'no bad1' }) });
    expect(b).toEqual({ status: 'fulfilled', value: 'B' });

    const broken = new Coalescer(
      async () => {
        throw new Error('down');
      },
      { maxBatch: 10, maxInFlight: 1, key: (x: string) => x },
    );
    const both = await Promise.allSettled([broken.submit('p'), broken.submit('q')]);
    expect(both.map((x) => x.status === 'rejected' && (x.reason as Error).message)).toEqual(['down', 'down']);
    // and it keeps working after a failed run
    const later = new Coalescer(r.run, { maxBatch: 10, maxInFlight: 1, key: (x: string) => x });
    const p = later.submit('later');
    await r.finishAll();
    await expect(p).resolves.toBe('LATER');
  });
});

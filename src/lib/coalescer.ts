/**
 * Groups concurrent calls into fewer calls of `run`: group commit in the application. While fewer
 * than `maxInFlight` runs are going, a submitted item starts a run at once (alone, when nothing else
 * is waiting: no added latency when idle); items submitted while every slot is busy wait and leave
 * together, up to `maxBatch` per run, in the order they came. Two items with the same `key` never
 * share a run (the later one waits for the next), so a run never holds two requests for one thing.
 *
 * `run` resolves with one outcome per item, in order: a value, or an Error for that item alone.
 * If `run` itself throws, every item of that run is rejected with the error.
 */
export class Coalescer<I, O> {
  private waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly o: { maxBatch: number; maxInFlight: number; key: (item: I) => string },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.waiting.length > 0) {
      const batch: typeof this.waiting = [];
      const rest: typeof this.waiting = [];
      const keys = new Set<string>();
      for (const w of this.waiting) {
        const k = this.o.key(w.item);
        if (batch.length < this.o.maxBatch && !keys.has(k)) {
          batch.push(w);
          keys.add(k);
        } else rest.push(w);
      }
      this.waiting = rest;
      this.inFlight++;
      let out: Promise<(O | Error)[]>;
      try {
        out = this.run(batch.map((w) => w.item));
      } catch (e) {
        out = Promise.reject(e);
      }
      out
        .then(
          (results) =>
            batch.forEach((w, i) => {
              const r = results[i];
              if (r instanceof Error) w.reject(r);
              else if (i >= results.length) w.reject(new Error('Coalescer: run returned fewer results than items'));
              else w.resolve(r as O);
            }),
          (e) => {
            for (const w of batch) w.reject(e);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

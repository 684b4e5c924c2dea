/** Runs `work(0)` … `work(count - 1)`, at most `concurrency` at once. */
export async function inPool(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, runner));
}

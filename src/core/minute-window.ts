/** Counts events in the last 60 seconds with one counter per second: O(1) memory and time. */
export class MinuteWindow {
  private readonly secs = new Float64Array(60);
  private readonly counts = new Float64Array(60);

  add(nowMs: number, n = 1): void {
    const sec = Math.floor(nowMs / 1000);
    const i = sec % 60;
    if (this.secs[i] !== sec) {
      this.secs[i] = sec;
      this.counts[i] = 0;
    }
    this.counts[i] += n;
  }

  total(nowMs: number): number {
    const sec = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (sec - this.secs[i]! < 60) sum += this.counts[i]!;
    return sum;
  }
}

// Where a bake stands. The bake of a step is `polls` checks, one every poll interval; the poll
// number comes from the state data (the Map item), so elapsed time never depends on a clock.

export interface BakeProgress {
  readonly elapsedSeconds: number;
  readonly bakeSeconds: number;
  readonly done: boolean;
}

/** Number of checks for a bake: enough intervals to cover it (rounded up), none for no bake. */
export function pollsForBake(bakeSeconds: number, pollIntervalSeconds: number): number {
  if (pollIntervalSeconds <= 0) {
    throw new Error(`The poll interval must be positive, got ${pollIntervalSeconds} s.`);
  }
  return Math.ceil(bakeSeconds / pollIntervalSeconds);
}

export function bakeProgress(poll: number, pollIntervalSeconds: number, bakeSeconds: number): BakeProgress {
  const elapsedSeconds = poll * pollIntervalSeconds;
  return { elapsedSeconds, bakeSeconds, done: elapsedSeconds >= bakeSeconds };
}

// Which weights a step sets, and whether the rule really has them.
import type { ColorWeights, FleetColor } from '../shared/color-weights';

/** `percent` to the new color, the rest to the old one: always sums to 100. */
export function weightsForStep(from: FleetColor, to: FleetColor, percent: number): ColorWeights {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new Error(`A step percentage must be a whole number from 0 to 100, got ${percent}.`);
  }
  const weights = { BLUE: 0, GREEN: 0 };
  weights[to] = percent;
  weights[from] = 100 - percent;
  return weights;
}

/** All traffic back on `from`, the rollback target. */
export function rollbackWeights(from: FleetColor): ColorWeights {
  return from === 'BLUE' ? { BLUE: 100, GREEN: 0 } : { BLUE: 0, GREEN: 100 };
}

export function weightsMatch(actual: ColorWeights | undefined, expected: ColorWeights): boolean {
  return actual !== undefined && actual.BLUE === expected.BLUE && actual.GREEN === expected.GREEN;
}

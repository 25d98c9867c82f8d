import * as fc from 'fast-check';
import {
  type ColorTargetGroups,
  colorOfTargetGroup,
  liveColorOf,
  targetsForWeights,
  toPercentages,
  weightsByColor,
} from '../../../lib/handlers/shared/color-weights';

const OLD: ColorTargetGroups = { BLUE: 'arn:tg/blue-1', GREEN: 'arn:tg/green-1' };
const NEW: ColorTargetGroups = { BLUE: 'arn:tg/blue-2', GREEN: 'arn:tg/green-1' };

describe('colorOfTargetGroup', () => {
  test('prefers the first generation, then falls back to the next', () => {
    expect(colorOfTargetGroup('arn:tg/blue-1', [OLD, NEW])).toBe('BLUE');
    expect(colorOfTargetGroup('arn:tg/blue-2', [OLD, NEW])).toBe('BLUE');
    expect(colorOfTargetGroup('arn:tg/other', [OLD, NEW])).toBeUndefined();
    // A swap between deploys is resolved by the first generation.
    expect(colorOfTargetGroup('arn:x', [{ BLUE: 'arn:x', GREEN: 'arn:y' }, { BLUE: 'arn:y', GREEN: 'arn:x' }])).toBe('BLUE');
  });
});

describe('weightsByColor', () => {
  test('sums per color and ignores an unknown target group with weight 0', () => {
    expect(weightsByColor([
      { targetGroupArn: 'arn:tg/blue-1', weight: 30 },
      { targetGroupArn: 'arn:tg/green-1', weight: 70 },
      { targetGroupArn: 'arn:tg/stray', weight: 0 },
    ], [OLD], 'Svc')).toEqual({ BLUE: 30, GREEN: 70 });
  });

  test('refuses an unknown target group that receives traffic, naming it', () => {
    expect(() => weightsByColor([{ targetGroupArn: 'arn:tg/stray', weight: 5 }], [OLD], 'Svc'))
      .toThrow('Svc: the listener rule forwards 5 weight to arn:tg/stray, which is neither the BLUE nor the GREEN');
  });
});

describe('toPercentages', () => {
  test('keeps weights that sum to 100 and converts relative weights keeping the ratio', () => {
    expect(toPercentages({ BLUE: 90, GREEN: 10 }, 'Svc')).toEqual({ BLUE: 90, GREEN: 10 });
    expect(toPercentages({ BLUE: 1, GREEN: 1 }, 'Svc')).toEqual({ BLUE: 50, GREEN: 50 });
    expect(toPercentages({ BLUE: 1, GREEN: 2 }, 'Svc')).toEqual({ BLUE: 33, GREEN: 67 });
    expect(toPercentages({ BLUE: 0, GREEN: 999 }, 'Svc')).toEqual({ BLUE: 0, GREEN: 100 });
    expect(toPercentages({ BLUE: 1, GREEN: 999 }, 'Svc')).toEqual({ BLUE: 1, GREEN: 99 });
    expect(toPercentages({ BLUE: 999, GREEN: 1 }, 'Svc')).toEqual({ BLUE: 99, GREEN: 1 });
  });

  test('a rule that sends nothing anywhere is an error that says how to fix it', () => {
    expect(() => toPercentages({ BLUE: 0, GREEN: 0 }, 'Svc')).toThrow(/Svc: .*weight 0 to both BLUE and GREEN.*Give 100 to the color/);
  });

  test('property: always sums to 100, never negative, and 0 only for a color that had 0', () => {
    fc.assert(fc.property(fc.nat(999), fc.nat(999), (blue, green) => {
      fc.pre(blue + green > 0);
      const pct = toPercentages({ BLUE: blue, GREEN: green }, 'Svc');
      expect(pct.BLUE + pct.GREEN).toBe(100);
      expect(pct.BLUE).toBeGreaterThanOrEqual(0);
      expect(pct.GREEN).toBeGreaterThanOrEqual(0);
      // A color keeps 0 exactly when it had 0: rounding never hides a serving color.
      expect(pct.BLUE === 0).toBe(blue === 0);
      expect(pct.GREEN === 0).toBe(green === 0);
    }));
  });
});

test('liveColorOf: the larger weight, BLUE on a tie', () => {
  expect(liveColorOf({ BLUE: 10, GREEN: 90 })).toBe('GREEN');
  expect(liveColorOf({ BLUE: 90, GREEN: 10 })).toBe('BLUE');
  expect(liveColorOf({ BLUE: 50, GREEN: 50 })).toBe('BLUE');
});

test('targetsForWeights lists both target groups, including the one at 0', () => {
  expect(targetsForWeights({ BLUE: 100, GREEN: 0 }, NEW)).toEqual([
    { targetGroupArn: 'arn:tg/blue-2', weight: 100 },
    { targetGroupArn: 'arn:tg/green-1', weight: 0 },
  ]);
});

import * as fc from 'fast-check';
import { FLEET_COLORS, type ColorTargetGroups, type FleetColor } from '../../../lib/handlers/shared/color-weights';
import type { TrafficRuleProperties } from '../../../lib/handlers/traffic-rule/properties';
import {
  chooseTestColor,
  initialWeights,
  liveWeightsByColor,
  planTrafficRuleUpdate,
  sameConditions,
  servingTargetGroupReplacementError,
} from '../../../lib/handlers/traffic-rule/update-plan';

const PATH = [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }];

function props(overrides: Partial<TrafficRuleProperties> = {}): TrafficRuleProperties {
  return {
    serviceName: 'App/Web',
    listenerArn: 'arn:listener/main',
    priority: 10,
    conditions: PATH,
    testListenerArn: 'arn:listener/test',
    testPriority: 10,
    testConditions: PATH,
    targetGroups: { BLUE: 'arn:tg/blue', GREEN: 'arn:tg/green' },
    liveColor: 'BLUE',
    ...overrides,
  };
}

const targetGroupArn = fc.stringMatching(/^arn:tg\/[a-z0-9]{1,8}$/);
const distinctPair = fc.tuple(targetGroupArn, targetGroupArn).filter(([a, b]) => a !== b);
const blueWeight = fc.integer({ min: 0, max: 100 });

test('initialWeights sends everything to the declared live color', () => {
  expect(initialWeights('BLUE')).toEqual({ BLUE: 100, GREEN: 0 });
  expect(initialWeights('GREEN')).toEqual({ BLUE: 0, GREEN: 100 });
});

describe('liveWeightsByColor', () => {
  test('property: the weights sum to 100 and each color keeps its weight under any target group replacement', () => {
    fc.assert(fc.property(distinctPair, distinctPair, blueWeight, fc.boolean(), (oldPair, newPair, blue, ruleHasNewArns) => {
      const previous: ColorTargetGroups = { BLUE: oldPair[0], GREEN: oldPair[1] };
      const next: ColorTargetGroups = { BLUE: newPair[0], GREEN: newPair[1] };
      // The new generation must not give an old ARN to the other color (ELBv2 ARNs are unique).
      fc.pre(next.BLUE !== previous.GREEN && next.GREEN !== previous.BLUE);
      const onRule = ruleHasNewArns ? next : previous;
      const observed = [
        { targetGroupArn: onRule.BLUE, weight: blue },
        { targetGroupArn: onRule.GREEN, weight: 100 - blue },
      ];
      const weights = liveWeightsByColor(observed, previous, next, 'Svc');
      expect(weights.BLUE + weights.GREEN).toBe(100);
      expect(weights).toEqual({ BLUE: blue, GREEN: 100 - blue });
    }));
  });
});

describe('chooseTestColor', () => {
  test('the idle color when one color has all the traffic', () => {
    expect(chooseTestColor({ BLUE: 100, GREEN: 0 }, 'BLUE')).toBe('GREEN');
    expect(chooseTestColor({ BLUE: 0, GREEN: 100 }, undefined)).toBe('BLUE');
  });

  test('while both serve, the color it already reached, else the one with less traffic', () => {
    expect(chooseTestColor({ BLUE: 10, GREEN: 90 }, 'GREEN')).toBe('GREEN');
    expect(chooseTestColor({ BLUE: 10, GREEN: 90 }, undefined)).toBe('BLUE');
    expect(chooseTestColor({ BLUE: 90, GREEN: 10 }, undefined)).toBe('GREEN');
  });
});

describe('servingTargetGroupReplacementError', () => {
  const previous = { BLUE: 'arn:tg/blue', GREEN: 'arn:tg/green' };

  test('allows replacing an idle color target group', () => {
    expect(servingTargetGroupReplacementError({ BLUE: 100, GREEN: 0 }, previous, { ...previous, GREEN: 'arn:tg/green-2' }, 'Svc'))
      .toBeUndefined();
  });

  test('refuses replacing a serving color target group and says which deploy to do first', () => {
    expect(servingTargetGroupReplacementError({ BLUE: 100, GREEN: 0 }, previous, { ...previous, BLUE: 'arn:tg/blue-2' }, 'Svc'))
      .toBe('Svc: this deploy replaces the BLUE target group while BLUE serves traffic (BLUE 100% / GREEN 0%). ' +
        'The new target group has no healthy instances yet, so moving its traffic there would fail requests. ' +
        'Deploy first with `live: Color.GREEN` (and BLUE unchanged) so the rollout moves all traffic to GREEN; ' +
        'the change that replaces the BLUE target group is then safe in a later deploy.');
  });

  test('mid-rollout it asks to finish or roll back first', () => {
    expect(servingTargetGroupReplacementError({ BLUE: 50, GREEN: 50 }, previous, { ...previous, GREEN: 'arn:tg/green-2' }, 'Svc'))
      .toMatch(/replaces the GREEN target group .*\(BLUE 50% \/ GREEN 50%\).*A rollout is in progress or was interrupted/);
  });
});

test('sameConditions ignores key order but not values', () => {
  expect(sameConditions(
    [{ Field: 'host-header', HostHeaderConfig: { Values: ['a'] } }],
    [{ HostHeaderConfig: { Values: ['a'] }, Field: 'host-header' }],
  )).toBe(true);
  expect(sameConditions(PATH, [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/app/*'] } }])).toBe(false);
});

describe('planTrafficRuleUpdate', () => {
  const observedBlueLive = { mainTargets: [{ targetGroupArn: 'arn:tg/blue', weight: 100 }, { targetGroupArn: 'arn:tg/green', weight: 0 }], testTargetGroupArn: 'arn:tg/green' };

  test('unchanged properties and rules: nothing to write', () => {
    const plan = planTrafficRuleUpdate(props(), props({ liveColor: 'GREEN' }), observedBlueLive);
    expect(plan.main).toEqual({ recreate: false, modify: false, reprioritize: false });
    expect(plan.test).toEqual({ recreate: false, modify: false, reprioritize: false });
    // The declared color changed to GREEN, but the live weights win (the rollout moves them).
    expect(plan.weights).toEqual({ BLUE: 100, GREEN: 0 });
  });

  test('a new listener recreates the main rule; a missing test rule is recreated', () => {
    const plan = planTrafficRuleUpdate(props(), props({ listenerArn: 'arn:listener/other' }),
      { ...observedBlueLive, testTargetGroupArn: undefined });
    expect(plan.main).toEqual({ recreate: true, modify: false, reprioritize: false });
    expect(plan.test.recreate).toBe(true);
    expect(plan.testTargetGroupArn).toBe('arn:tg/green');
  });

  test('hand-set relative weights are rewritten as percentages with the same ratio', () => {
    const plan = planTrafficRuleUpdate(props(), props(), {
      mainTargets: [{ targetGroupArn: 'arn:tg/blue', weight: 1 }, { targetGroupArn: 'arn:tg/green', weight: 3 }],
      testTargetGroupArn: 'arn:tg/green',
    });
    expect(plan.main.modify).toBe(true);
    expect(plan.mainTargets).toEqual([{ targetGroupArn: 'arn:tg/blue', weight: 25 }, { targetGroupArn: 'arn:tg/green', weight: 75 }]);
  });

  test('property: for any live split and any idle-color replacement, the per-color weights are kept and the test rule targets an idle or kept color', () => {
    fc.assert(fc.property(blueWeight, fc.constantFrom<FleetColor>('BLUE', 'GREEN'), fc.constantFrom<FleetColor>('BLUE', 'GREEN'),
      (blue, declared, currentTest) => {
        const weights = { BLUE: blue, GREEN: 100 - blue };
        const previous = props();
        const idle = FLEET_COLORS.filter((c) => weights[c] === 0);
        const targetGroups = { ...previous.targetGroups };
        for (const color of idle) targetGroups[color] = `${targetGroups[color]}-replaced`;
        const next = props({ liveColor: declared, targetGroups });
        const plan = planTrafficRuleUpdate(previous, next, {
          mainTargets: [{ targetGroupArn: 'arn:tg/blue', weight: weights.BLUE }, { targetGroupArn: 'arn:tg/green', weight: weights.GREEN }],
          testTargetGroupArn: previous.targetGroups[currentTest],
        });
        expect(plan.weights).toEqual(weights);
        expect(plan.mainTargets).toEqual([
          { targetGroupArn: targetGroups.BLUE, weight: weights.BLUE },
          { targetGroupArn: targetGroups.GREEN, weight: weights.GREEN },
        ]);
        expect(plan.mainTargets.reduce((sum, t) => sum + t.weight, 0)).toBe(100);
        const expectedTestColor = idle.length === 1 ? idle[0] : currentTest;
        expect(plan.testColor).toBe(expectedTestColor);
        expect(plan.testTargetGroupArn).toBe(targetGroups[expectedTestColor]);
      }));
  });
});

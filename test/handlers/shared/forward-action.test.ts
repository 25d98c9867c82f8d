import {
  forwardTargetsOf,
  forwardsExactly,
  sameTargetWeights,
  weightedForwardAction,
} from '../../../lib/handlers/shared/forward-action';

test('the weighted forward action disables stickiness so weight shifts move clients', () => {
  expect(weightedForwardAction([{ targetGroupArn: 'arn:a', weight: 90 }, { targetGroupArn: 'arn:b', weight: 10 }])).toEqual({
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [{ TargetGroupArn: 'arn:a', Weight: 90 }, { TargetGroupArn: 'arn:b', Weight: 10 }],
      TargetGroupStickinessConfig: { Enabled: false },
    },
  });
});

describe('forwardTargetsOf', () => {
  test('reads a ForwardConfig', () => {
    expect(forwardTargetsOf({ Actions: [weightedForwardAction([{ targetGroupArn: 'arn:a', weight: 7 }])] }))
      .toEqual([{ targetGroupArn: 'arn:a', weight: 7 }]);
  });

  test('reads the single TargetGroupArn shape as all traffic to it', () => {
    expect(forwardTargetsOf({ Actions: [{ Type: 'forward', TargetGroupArn: 'arn:a' }] }))
      .toEqual([{ targetGroupArn: 'arn:a', weight: 1 }]);
  });

  test('is undefined for a rule without a forward action', () => {
    expect(forwardTargetsOf({ Actions: [{ Type: 'fixed-response' }] })).toBeUndefined();
    expect(forwardTargetsOf({})).toBeUndefined();
  });
});

describe('sameTargetWeights and forwardsExactly', () => {
  const a = { targetGroupArn: 'arn:a', weight: 100 };
  const b0 = { targetGroupArn: 'arn:b', weight: 0 };

  test('ignore order but not a weight-0 target group, which keeps that group in use', () => {
    expect(sameTargetWeights([a, b0], [b0, a])).toBe(true);
    expect(sameTargetWeights([a, b0], [a])).toBe(false);
    expect(sameTargetWeights([a], [{ targetGroupArn: 'arn:a', weight: 99 }])).toBe(false);
  });

  test('forwardsExactly compares a rule with the expected targets', () => {
    const rule = { Actions: [weightedForwardAction([a, b0])] };
    expect(forwardsExactly(rule, [b0, a])).toBe(true);
    expect(forwardsExactly(rule, [{ targetGroupArn: 'arn:a', weight: 50 }, { targetGroupArn: 'arn:b', weight: 50 }])).toBe(false);
    expect(forwardsExactly({ Actions: [] }, [a])).toBe(false);
  });
});

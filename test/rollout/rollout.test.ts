import { Duration } from 'aws-cdk-lib';
import { Rollout } from '../../lib/rollout/rollout';

describe('Rollout presets', () => {
  test('steps keeps the percentages and gives each the same bake (5 minutes by default)', () => {
    expect(Rollout.steps([10, 50, 100]).trafficSteps).toEqual([
      { percent: 10, bakeSeconds: 300 },
      { percent: 50, bakeSeconds: 300 },
      { percent: 100, bakeSeconds: 300 },
    ]);
    expect(Rollout.steps([25, 100], { bake: Duration.minutes(2) }).trafficSteps.map((s) => s.bakeSeconds)).toEqual([120, 120]);
  });

  test('canary is the percent then 100', () => {
    expect(Rollout.canary(5, { bake: Duration.seconds(30) }).trafficSteps).toEqual([
      { percent: 5, bakeSeconds: 30 },
      { percent: 100, bakeSeconds: 30 },
    ]);
  });

  test('linear adds the increment and always ends at 100', () => {
    expect(Rollout.linear(25).trafficSteps.map((s) => s.percent)).toEqual([25, 50, 75, 100]);
    expect(Rollout.linear(30).trafficSteps.map((s) => s.percent)).toEqual([30, 60, 90, 100]);
    expect(Rollout.linear(100).trafficSteps.map((s) => s.percent)).toEqual([100]);
  });

  test('allAtOnce is a single 100% step that still bakes', () => {
    expect(Rollout.allAtOnce().trafficSteps).toEqual([{ percent: 100, bakeSeconds: 300 }]);
    expect(Rollout.allAtOnce({ bake: Duration.seconds(0) }).trafficSteps).toEqual([{ percent: 100, bakeSeconds: 0 }]);
  });

  test('custom gives each step its own bake', () => {
    const plan = Rollout.custom([
      { percent: 5, bake: Duration.minutes(2) },
      { percent: 50, bake: Duration.minutes(15) },
      { percent: 100 },
    ]);
    expect(plan.trafficSteps).toEqual([
      { percent: 5, bakeSeconds: 120 },
      { percent: 50, bakeSeconds: 900 },
      { percent: 100, bakeSeconds: 300 },
    ]);
    expect(plan.totalDuration.toSeconds()).toBe(1320);
  });
});

describe('Rollout validation names the input and what is allowed', () => {
  test.each([
    [() => Rollout.steps([]), /Rollout.steps: percentages must list at least one step/],
    [() => Rollout.steps([10, 50]), /Rollout.steps: the last step of percentages must be 100, got 50/],
    [() => Rollout.steps([50, 10, 100]), /Rollout.steps: percentages\[1\] \(10%\) must be greater than the step before it \(50%\)/],
    [() => Rollout.steps([10, 10, 100]), /percentages\[1\] \(10%\) must be greater/],
    [() => Rollout.steps([0, 100]), /percentages\[0\] must be a whole percentage from 1 to 100, got 0/],
    [() => Rollout.steps([12.5, 100]), /percentages\[0\] must be a whole percentage from 1 to 100, got 12.5/],
    [() => Rollout.steps([10, 101]), /percentages\[1\] must be a whole percentage from 1 to 100, got 101/],
    [() => Rollout.canary(100), /Rollout.canary: percent must be a whole number from 1 to 99, got 100/],
    [() => Rollout.canary(0), /Rollout.canary: percent must be a whole number from 1 to 99/],
    [() => Rollout.linear(0), /Rollout.linear: stepPercent must be a whole number from 1 to 100, got 0/],
    [() => Rollout.linear(2.5), /Rollout.linear: stepPercent must be a whole number/],
    [() => Rollout.steps([100], { bake: Duration.millis(1500) }), /percentages\[0\]: bake must be whole seconds from 0 to 24 hours, got 1 second 500 millis/],
    [() => Rollout.steps([100], { bake: Duration.hours(25) }), /bake must be whole seconds from 0 to 24 hours, got 1 day 1 hour/],
    [() => Rollout.custom([{ percent: 10 }, { percent: 100, bake: Duration.days(2) }]), /Rollout.custom: steps\[1\]: bake must be whole seconds/],
    [() => Rollout.steps(Array.from({ length: 21 }, (_, i) => 80 + i)), /has 21 steps; at most 20/],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });

  test('a bake of exactly 24 hours is the upper bound and is accepted', () => {
    expect(Rollout.steps([100], { bake: Duration.hours(24) }).trafficSteps[0].bakeSeconds).toBe(86400);
  });
});

// The library's rollout, rehearsed offline. The stack below is synthesized, its state machine
// definition executed with aws-local-stepfunctions, every task runs the real bundled rollout
// handler (run `npm run bundle` after changing lib/handlers), AWS is the rehearsal's in-memory
// model, and 5-minute bakes pass on a virtual clock. Read a test as "what happens when...".
//
// Every rehearse() call also checks invariant 1 over the whole timeline (weights sum to 100 and
// never rise on a color with fewer healthy targets than required) and throws if it breaks.
import { Duration } from 'aws-cdk-lib';
import {
  alarm, assertTrafficInvariant, at, failCall, handlerThrows, healthy, httpResponse, lambdaResult, rehearse, type RehearsalResult,
  type RehearseProps, Rehearsal, startRollout, stopRollout, throttle,
} from '../../lib/rehearsal';
import { Rollout } from '../../lib/rollout/rollout';
import { serviceStack } from './fixtures/service-stack';

const web = serviceStack().stack;
const release = { from: 'BLUE', to: 'GREEN', reason: 'release v2' };
const STEP_STARTS = [0, 300, 600];

function rehearseWeb(props: Partial<RehearseProps> = {}): Promise<RehearsalResult> {
  return rehearse({ stack: web, input: release, ...props });
}

/** Weight changes made by the rollout: [virtual seconds, percent on GREEN, which task]. */
function weightChanges(result: RehearsalResult): Array<[number, number, string]> {
  return result.timeline
    .filter((e) => e.event.startsWith('ModifyRule') && !e.event.includes('Create onEvent'))
    .map((e) => [e.t, e.greenWeight, e.event.replace(/^ModifyRule by λ /, '')]);
}

function stateTable(result: RehearsalResult) {
  const world = result.world;
  return world.dynamodb.items(world.template.ref(world.template.findResource('AWS::DynamoDB::Table', 'RolloutState')));
}

describe('a release from BLUE to GREEN with the default plan', () => {
  let result: RehearsalResult;
  beforeAll(async () => {
    result = await rehearseWeb();
  });

  test('weights go exactly 10 → 50 → 100, five minutes apart, and the rollout succeeds after the last bake', () => {
    expect(result.status).toBe('SUCCEEDED');
    expect(weightChanges(result)).toEqual([
      [0, 10, 'Step 1 (10%): set weights (setWeights)'],
      [300, 50, 'Step 2 (50%): set weights (setWeights)'],
      [600, 100, 'Step 3 (100%): set weights (setWeights)'],
    ]);
    expect(result.durationSeconds).toBe(900);
    expect(result.weights).toEqual({ BLUE: 0, GREEN: 100 });
  });

  test('each step is read back before its bake starts', () => {
    const verified = result.calls.filter((c) => c.operation === 'DescribeRules' && c.caller?.includes('verify weights'));
    expect(verified.map((c) => c.t)).toEqual(STEP_STARTS);
  });

  test('alarms are checked every 10 s of every bake', () => {
    const checks = result.invocations.filter((i) => i.action === 'checkAlarms').map((i) => i.t);
    expect(checks).toHaveLength(90);
    expect(checks.slice(0, 3)).toEqual([10, 20, 30]);
    expect(checks[checks.length - 1]).toBe(900);
  });

  test('the history records who, what, when and the outcome; the lock is released and GREEN is recorded live', () => {
    const items = stateTable(result);
    const history = items.filter((i) => String(i.record).startsWith('HISTORY#'));
    expect(history).toEqual([expect.objectContaining({
      from: 'BLUE', to: 'GREEN', reason: 'release v2', outcome: 'SUCCEEDED',
      startedAt: '2026-01-05T09:00:00.000Z', endedAt: '2026-01-05T09:15:00.000Z',
      plan: [{ percent: 10, bakeSeconds: 300 }, { percent: 50, bakeSeconds: 300 }, { percent: 100, bakeSeconds: 300 }],
    })]);
    const state = items.find((i) => i.record === 'STATE');
    expect(state).toMatchObject({ liveColor: 'GREEN' });
    expect(state).not.toHaveProperty('lockExecutionId');
  });

  test('every decision is logged as structured JSON (invariant 6)', () => {
    const actions = result.logs.map((l) => JSON.parse(l.message)).filter((m) => m.service).map((m) => m.message ?? m.event);
    expect(actions).toEqual(expect.arrayContaining(['rollout.lock', 'rollout.setWeights', 'rollout.verifyWeights', 'rollout.finalize']));
  });
});

test('the configured plan and bakes are what runs: 25% then 100% with 2-minute bakes', async () => {
  const stack = serviceStack({ plan: Rollout.steps([25, 100], { bake: Duration.minutes(2) }) }).stack;
  const result = await rehearse({ stack, input: release });
  expect(weightChanges(result).map(([t, green]) => [t, green])).toEqual([[0, 25], [120, 100]]);
  expect(result.durationSeconds).toBe(240);
});

describe('an alarm during a bake', () => {
  test.each([1, 2, 3])('at step %i: 100%% back on BLUE within one poll, the execution fails naming the alarm', async (step) => {
    const alarmAt = STEP_STARTS[step - 1] + 121;
    const result = await rehearseWeb({ scenario: [at(alarmAt, alarm('CheckoutErrors', 'ALARM'))] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AlarmBreach');
    expect(result.cause).toMatch(new RegExp(`CheckoutErrors.*step ${step} of 3`));
    expect(result.cause).toContain('Traffic is back on BLUE');
    const [restoredAt, green, by] = weightChanges(result).pop()!;
    expect([green, by]).toEqual([0, 'Roll back (rollback)']);
    expect(restoredAt - alarmAt).toBeLessThanOrEqual(10);
    expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
  });

  test("a built-in alarm of the new color counts too (GREEN's built-in alarm)", async () => {
    const result = await rehearseWeb({ scenario: [at('6m', alarm('GreenHealthAlarm', 'ALARM'))] });
    expect(result.error).toBe('AlarmBreach');
    expect(result.cause).toContain('GreenHealthAlarm');
  });

  test('an alarm without data does not stop the rollout by default (InsufficientDataPolicy.TREAT_AS_OK)', async () => {
    const result = await rehearseWeb({ scenario: [at('1m', alarm('CheckoutErrors', 'INSUFFICIENT_DATA'))] });
    expect(result.status).toBe('SUCCEEDED');
  });

  test("the old color's built-in alarms are not watched: BLUE's built-in alarm does not stop a release to GREEN", async () => {
    const result = await rehearseWeb({ scenario: [at('6m', alarm('BlueHealthAlarm', 'ALARM'))] });
    expect(result.status).toBe('SUCCEEDED');
  });
});

describe('checks before any traffic moves', () => {
  test('GREEN never gets enough healthy targets: the health gate times out after 10 minutes and no weight ever moves', async () => {
    const result = await rehearseWeb({ scenario: [at(0, healthy('GREEN', 1))] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthGateTimeout');
    expect(result.cause).toContain('1 healthy target(s) of the 2 required');
    expect(result.timeline.every((e) => e.greenWeight === 0)).toBe(true);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(600);
  });

  test('GREEN becomes healthy at minute 3: the gate waits for it, then the rollout proceeds', async () => {
    const result = await rehearseWeb({ scenario: [at(0, healthy('GREEN', 0)), at('3m', healthy('GREEN', undefined))] });
    expect(result.status).toBe('SUCCEEDED');
    expect(weightChanges(result)[0].slice(0, 2)).toEqual([180, 10]);
  });

  test("the user's smoke test function fails: rollback without moving any traffic", async () => {
    const stack = serviceStack({ smokeTest: 'lambda' }).stack;
    const result = await rehearse({
      stack, input: release,
      scenario: [lambdaResult('SmokeCheck', { passed: false, reason: 'checkout returns 500' })],
    });
    expect(result.error).toBe('SmokeTestFailed');
    expect(result.cause).toContain('checkout returns 500');
    expect(result.timeline.every((e) => e.greenWeight === 0)).toBe(true);
  });

  describe('the HTTP smoke test through the test listener', () => {
    const stack = serviceStack({ smokeTest: 'http' }).stack;

    test('GREEN answers 200 on /health: the rollout proceeds', async () => {
      const result = await rehearse({ stack, input: release });
      expect(result.status).toBe('SUCCEEDED');
      expect(result.invocations.filter((i) => i.caller === 'Smoke test')).toHaveLength(1);
    });

    test('GREEN answers 500: retried, then rollback without moving any traffic', async () => {
      const result = await rehearse({ stack, input: release, scenario: [httpResponse('GREEN', 500, 'boom')] });
      expect(result.error).toBe('SmokeTestFailed');
      expect(result.cause).toContain('500');
      expect(result.timeline.every((e) => e.greenWeight === 0)).toBe(true);
    });
  });
});

describe('AWS errors and crashes', () => {
  test('throttling is retried with back-off before it counts as a failure', async () => {
    const result = await rehearseWeb({ scenario: [throttle('ModifyRule', { nth: 2, times: 3 })] });
    expect(result.status).toBe('SUCCEEDED');
    const retried = result.history.filter((h) => h.type === 'StateRetried').map((h) => h.state);
    expect(retried).toEqual(['Step 2 (50%): set weights', 'Step 2 (50%): set weights', 'Step 2 (50%): set weights']);
    expect(weightChanges(result).map(([, green]) => green)).toEqual([10, 50, 100]);
  });

  test('throttling that outlasts the retries rolls back', async () => {
    const result = await rehearseWeb({ scenario: [throttle('DescribeAlarms', { nth: 40, times: 6 })] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AwsThrottled');
    expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
  });

  test('a handler crash during a bake rolls back', async () => {
    const result = await rehearseWeb({ scenario: [handlerThrows('checkAlarms', { nth: 45 })] });
    expect(result.status).toBe('FAILED');
    expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
    expect(result.cause).toContain('step 2 of 3');
  });

  test('the rollback itself survives a bad minute of the ELBv2 API', async () => {
    const result = await rehearseWeb({
      scenario: [at('7m', alarm('CheckoutErrors', 'ALARM')), failCall('ModifyRule', 'InternalFailure', { nth: 3, times: 2 })],
    });
    expect(result.error).toBe('AlarmBreach');
    expect(result.history.filter((h) => h.type === 'StateRetried').map((h) => h.state)).toEqual(['Roll back', 'Roll back']);
    expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
  });
});

test('a second rollout of the same service is refused while the first runs, and moves nothing', async () => {
  const result = await rehearseWeb({ scenario: [at('2m', startRollout({ from: 'BLUE', to: 'GREEN', reason: 'impatient' }, 'second'))] });
  const second = result.executions.find((e) => e.name === 'second')!;
  expect(second.status).toBe('FAILED');
  expect(second.error).toBe('RolloutRefused');
  expect(second.cause).toContain('rehearsal-1');
  expect(result.status).toBe('SUCCEEDED');
  expect(weightChanges(result).map(([t]) => t)).toEqual(STEP_STARTS);
});

test('a rollout stopped by hand keeps its split (Step Functions runs no rollback); the next rollout takes over the stale lock', async () => {
  const world = Rehearsal.fromStack(web, { scenario: [at('2m', stopRollout())] });
  await world.open();
  try {
    const stopped = await world.rollout(release);
    expect([stopped.status, stopped.stopDate?.toISOString()]).toEqual(['ABORTED', '2026-01-05T09:02:00.000Z']);
    await world.wait('5m');
    expect(world.weights()).toEqual({ BLUE: 90, GREEN: 10 });

    const next = await world.rollout({ ...release, reason: 'finish the release' }, 'next');
    expect(next.status).toBe('SUCCEEDED');
    expect(world.weights()).toEqual({ BLUE: 0, GREEN: 100 });
  } finally {
    world.close();
  }
  assertTrafficInvariant(world);
});

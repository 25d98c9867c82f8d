// The rehearsal engine end to end on a small hand-built rollout (test/rehearsal/fixtures), kept
// independent of the library's own rollout so that a failure here points at the engine: the
// template is synthesized, the definition executed, the handler bundle run with its environment,
// its AWS calls answered by the model, and its waits passed on the virtual clock.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { alarm, at, formatTimeline, handlerThrows, healthy, rehearse, throttle } from '../../lib/rehearsal';
import { miniRolloutStack } from './fixtures/mini-rollout-stack';

const stack = miniRolloutStack({ steps: [10, 50, 100], bakeSeconds: 300, pollSeconds: 10 });
const colors = { BLUE: 'BlueTargets', GREEN: 'GreenTargets' };
const input = { from: 'BLUE', to: 'GREEN', reason: 'release v2' };

/** The traffic changes of a rehearsal: [virtual seconds, percent on GREEN]. */
function greenShifts(timeline: Array<{ t: number; greenWeight: number; event: string }>): Array<[number, number]> {
  return timeline.filter((e) => e.event.startsWith('ModifyRule')).map((e) => [e.t, e.greenWeight]);
}

test('a 15-minute rollout runs on virtual time: three shifts, five-minute bakes, every poll a transition', async () => {
  const result = await rehearse({ stack, colors, input });
  expect(result.status).toBe('SUCCEEDED');
  expect(greenShifts(result.timeline)).toEqual([[0, 10], [300, 50], [600, 100]]);
  expect(result.durationSeconds).toBe(900);
  // WithExecutionId, Lock, CheckHealth, then per step Shift and 30 x (Bake, CheckAlarms, BakeDone?), then Finalize.
  expect(result.transitions).toBe(3 + 3 * (1 + 30 * 3) + 1);
  expect(result.lambdaInvocations).toBe(2 + 3 * (1 + 30) + 1);
  const table = result.world.template.ref(result.world.template.findResource('AWS::DynamoDB::Table', 'State'));
  expect(result.world.dynamodb.items(table)).toEqual([
    { pk: 'history', live: 'GREEN', entries: [{ to: 'GREEN', reason: 'release v2', outcome: 'SUCCEEDED', at: expect.stringMatching(/T09:15:00/) }] },
  ]);
});

test('the handler reads Date.now() from the virtual clock and its environment from the template', async () => {
  const result = await rehearse({ stack, colors, input });
  const shifts = result.logs.filter((l) => l.message.includes('"action":"shift"'));
  expect(shifts.map((l) => l.t)).toEqual([0, 300, 600]);
  expect(shifts[0].functionName).toBe(result.world.template.findResource('AWS::Lambda::Function', 'RolloutHandler'));
});

test('an alarm at minute 7 rolls back to BLUE at the next poll and fails naming the alarm', async () => {
  const result = await rehearse({ stack, colors, input, scenario: [at('7m', alarm('GreenErrors', 'ALARM'))] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('AlarmFired');
  expect(result.cause).toContain('GreenErrors');
  expect(greenShifts(result.timeline)).toEqual([[0, 10], [300, 50], [420, 0]]);
});

test('no healthy GREEN targets: the health check is retried, then the rollout rolls back without moving traffic', async () => {
  const result = await rehearse({ stack, colors, input, scenario: [at(0, healthy('GREEN', 0))] });
  expect(result.error).toBe('NotHealthyYet');
  expect(result.history.filter((h) => h.type === 'StateRetried').map((h) => h.t)).toEqual([15, 30, 45, 60]);
  expect(result.timeline.every((e) => e.blueWeight === 100)).toBe(true);
});

test('a throttled ModifyRule is retried by the state machine with back-off, and the rollout succeeds', async () => {
  const result = await rehearse({ stack, colors, input, scenario: [throttle('ModifyRule', { nth: 2, times: 2 })] });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.calls.filter((c) => c.operation === 'ModifyRule').map((c) => c.error ?? 'ok')).toEqual(['ok', 'Throttling', 'Throttling', 'ok', 'ok']);
  expect(greenShifts(result.timeline)).toEqual([[0, 10], [303, 50], [603, 100]]);
});

test('a crashed handler invocation goes to the rollback path', async () => {
  const result = await rehearse({ stack, colors, input, scenario: [handlerThrows('checkAlarms', { nth: 40 })] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('Error');
  expect(result.cause).toContain('checkAlarms crashed');
  expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
});

test('invariant 1 is checked on every weight change: traffic to a color with too few healthy targets is reported', async () => {
  // The fixture's health gate requires 2 healthy targets; demanding 3 makes every shift a violation.
  const result = await rehearse({ stack, colors, input, requiredHealthyTargets: 3, invariants: 'record' });
  expect(result.invariantViolations).toHaveLength(3);
  expect(result.invariantViolations[0]).toMatch(/t=0s, ModifyRule by λ Shift \(shift\): GREEN went from 0% to 10% with 2 healthy targets \(needs 3\)/);
  await expect(rehearse({ stack, colors, input, requiredHealthyTargets: 3 })).rejects.toThrow(/Invariant 1 broken 3 time\(s\)/);
});

test('the timeline reads as a report', async () => {
  const result = await rehearse({ stack, colors, input, scenario: [at('7m', alarm('GreenErrors', 'ALARM'))] });
  expect(formatTimeline(result.timeline).split('\n').slice(-3)).toEqual([
    '    7m00s  BLUE    50%  GREEN    50%  alarm GreenErrors → ALARM',
    '    7m00s  BLUE   100%  GREEN     0%  ModifyRule by λ Rollback (rollback)',
    '    7m00s  BLUE   100%  GREEN     0%  execution rehearsal-1 FAILED: AlarmFired',
  ]);
});

test('a cloud assembly on disk (cdk.out) rehearses the same as the Stack object: code found through the asset manifest', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-assembly-'));
  try {
    const onDisk = miniRolloutStack({ app: new App({ outdir }) });
    (onDisk.node.root as App).synth();
    const result = await rehearse({ assembly: { directory: outdir, stackName: onDisk.stackName }, colors, input });
    expect(result.status).toBe('SUCCEEDED');
    expect(greenShifts(result.timeline)).toEqual([[0, 10], [300, 50], [600, 100]]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

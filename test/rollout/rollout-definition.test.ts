// Executes the synthesized definition with aws-local-stepfunctions, every task answered by a
// small stub world (the real handlers run in the rehearsal suite). This proves the wiring of the
// definition itself: the order of the steps, the state data each task receives, where failures
// go, and how many state transitions a default rollout costs.
import { StateMachine } from 'aws-local-stepfunctions';
import { Duration } from 'aws-cdk-lib';
import { Rollout } from '../../lib/rollout/rollout';
import { definitionOf, rolloutFixture } from './rollout-fixture';

interface World {
  weights: { BLUE: number; GREEN: number };
  healthyChecksUntilReady: number;
  /** Throws this error from the task whose action/step/poll matches. */
  failAt?: { action: string; step?: number; poll?: number; name: string; message: string };
  calls: Array<{ action: string; step?: number; poll?: number; percent?: number }>;
}

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function taskNames(states: Record<string, any>): string[] {
  const names: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') {
      names.push(name);
    }
    if (state.Type === 'Map') {
      names.push(...taskNames(state.ItemProcessor.States));
    }
  }
  return names;
}

function waitNames(states: Record<string, any>): string[] {
  const names: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait') {
      names.push(name);
    }
    if (state.Type === 'Map') {
      names.push(...waitNames(state.ItemProcessor.States));
    }
  }
  return names;
}

function stub(world: World): (event: any) => Promise<any> {
  return async (event: any) => {
    const call = { action: event.action, step: event.step?.index, poll: event.poll, percent: event.step?.percent };
    world.calls.push(call);
    const f = world.failAt;
    if (f && f.action === call.action && (f.step === undefined || f.step === call.step) &&
        (f.poll === undefined || f.poll === call.poll)) {
      throw new NamedError(f.name, f.message);
    }
    const { from, to } = event.input;
    switch (event.action) {
      case 'lock':
        return { stepIndex: 0, stepCount: event.service.plan.length, percent: 0 };
      case 'checkHealth': {
        const attempt = (event.state.health?.attempt ?? 0) + 1;
        return { ready: attempt > world.healthyChecksUntilReady, attempt };
      }
      case 'setWeights':
        world.weights = { [to]: event.step.percent, [from]: 100 - event.step.percent } as World['weights'];
        return { stepIndex: event.step.index, stepCount: event.step.count, percent: event.step.percent };
      case 'verifyWeights':
        return { split: `BLUE ${world.weights.BLUE}% / GREEN ${world.weights.GREEN}%` };
      case 'checkAlarms':
        return {};
      case 'runSmokeTest':
        return { passed: true };
      case 'finalize':
        return { liveColor: to };
      case 'rollback':
        world.weights = { [from]: 100, [to]: 0 } as World['weights'];
        return { error: event.state.failure.Error, cause: `rolled back after ${event.state.failure.Error}` };
      default: // the HTTP smoke test function
        return { passed: true };
    }
  };
}

async function execute(definition: any, world: World) {
  const handler = stub(world);
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run({ from: 'BLUE', to: 'GREEN', reason: 'test' }, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(taskNames(definition.States).map((n) => [n, handler])),
      waitTimeOverrides: Object.fromEntries(waitNames(definition.States).map((n) => [n, 0])),
      retryIntervalOverrides: Object.fromEntries(taskNames(definition.States).map((n) => [n, 0])),
    },
    context: { Execution: { Id: 'arn:aws:states:us-east-1:111111111111:execution:web:run1', Name: 'run1' } } as any,
  });
  const entered: string[] = [];
  let outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; error: string; cause: string };
  try {
    await execution.result;
    outcome = { status: 'SUCCEEDED' };
  } catch (error: any) {
    outcome = { status: 'FAILED', error: error.cause?.name ?? error.name, cause: error.cause?.message ?? error.message };
  }
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') {
      entered.push(event.state.name);
    }
  }
  return { outcome, entered };
}

function newWorld(overrides: Partial<World> = {}): World {
  return { weights: { BLUE: 100, GREEN: 0 }, healthyChecksUntilReady: 0, calls: [], ...overrides };
}

describe('default plan (10/50/100, 5-minute bakes, 10 s polls)', () => {
  const definition = definitionOf(rolloutFixture().stack);

  test('shifts 10 -> 50 -> 100 with 30 alarm checks per step, then finalizes', async () => {
    const world = newWorld();
    const { outcome } = await execute(definition, world);
    expect(outcome).toEqual({ status: 'SUCCEEDED' });
    const shifts = world.calls.filter((c) => c.action === 'setWeights').map((c) => c.percent);
    expect(shifts).toEqual([10, 50, 100]);
    for (const step of [1, 2, 3]) {
      const polls = world.calls.filter((c) => c.action === 'checkAlarms' && c.step === step).map((c) => c.poll);
      expect(polls).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
    expect(world.calls[world.calls.length - 1].action).toBe('finalize');
    expect(world.weights).toEqual({ BLUE: 0, GREEN: 100 });
  });

  test('stays under 300 state transitions', async () => {
    const { entered } = await execute(definition, newWorld());
    // Lock + health check + choice, 3 x (set + verify + map + 30 x (wait + check)), finalize, succeed.
    expect(entered.length).toBe(3 + 3 * (3 + 30 * 2) + 2);
    expect(entered.length).toBeLessThan(300);
  });

  test('an alarm at any step ends in the rollback path with the failure it caught', async () => {
    for (const step of [1, 2, 3]) {
      const world = newWorld({ failAt: { action: 'checkAlarms', step, poll: 7, name: 'AlarmBreach', message: 'alarm "x" is ALARM' } });
      const { outcome } = await execute(definition, world);
      expect(outcome).toMatchObject({ status: 'FAILED', error: 'AlarmBreach', cause: 'rolled back after AlarmBreach' });
      const after = world.calls.slice(world.calls.findIndex((c) => c.action === 'checkAlarms' && c.step === step && c.poll === 7) + 1);
      // aws-local-stepfunctions lets the Map's queued iterations run after one fails (AWS stops
      // them); they only read alarms, so ignore them here.
      expect(after.map((c) => c.action).filter((a) => a !== 'checkAlarms')).toEqual(['rollback']);
      expect(after[0].action).toBe('rollback');
      expect(world.weights).toEqual({ BLUE: 100, GREEN: 0 });
    }
  });

  test('the health gate waits until ready, and a health gate timeout never moves weights', async () => {
    const waiting = newWorld({ healthyChecksUntilReady: 3 });
    await execute(definition, waiting);
    expect(waiting.calls.filter((c) => c.action === 'checkHealth')).toHaveLength(4);

    const world = newWorld({ failAt: { action: 'checkHealth', name: 'HealthGateTimeout', message: 'GREEN had 1 of 2' } });
    const { outcome } = await execute(definition, world);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'HealthGateTimeout' });
    expect(world.calls.map((c) => c.action)).toEqual(['lock', 'checkHealth', 'rollback']);
  });

  test('a refused lock fails without touching anything', async () => {
    const world = newWorld({ failAt: { action: 'lock', name: 'RolloutRefused', message: 'Another rollout of web is running' } });
    const { outcome } = await execute(definition, world);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'RolloutRefused' });
    expect(world.calls.map((c) => c.action)).toEqual(['lock']);
  });

  test('throttling is retried before it counts as a failure', async () => {
    const world = newWorld();
    let throttles = 2;
    const handler = stub(world);
    const flaky = async (event: any) => {
      if (event.action === 'setWeights' && throttles > 0) {
        throttles--;
        world.calls.push({ action: 'throttled' });
        throw new NamedError('AwsThrottled', 'ModifyRule was throttled');
      }
      return handler(event);
    };
    const machine = new StateMachine(definition, { validationOptions: { checkArn: false, checkPaths: false } });
    const run = machine.run({ from: 'BLUE', to: 'GREEN', reason: 'test' }, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(taskNames(definition.States).map((n) => [n, flaky])),
        waitTimeOverrides: Object.fromEntries(waitNames(definition.States).map((n) => [n, 0])),
        retryIntervalOverrides: Object.fromEntries(taskNames(definition.States).map((n) => [n, 0])),
      },
      context: { Execution: { Id: 'arn:aws:states:us-east-1:111111111111:execution:web:run2', Name: 'run2' } } as any,
    });
    await expect(run.result).resolves.toBeDefined();
    expect(world.calls.filter((c) => c.action === 'throttled')).toHaveLength(2);
    expect(world.calls.some((c) => c.action === 'rollback')).toBe(false);
  });
});

test('a plan without bakes has no bake states, and a canary has two steps', async () => {
  const definition = definitionOf(rolloutFixture({ plan: Rollout.canary(5, { bake: Duration.seconds(0) }) }).stack);
  const world = newWorld();
  const { outcome, entered } = await execute(definition, world);
  expect(outcome).toEqual({ status: 'SUCCEEDED' });
  expect(world.calls.filter((c) => c.action === 'setWeights').map((c) => c.percent)).toEqual([5, 100]);
  expect(entered.some((name) => name.includes('bake'))).toBe(false);
});

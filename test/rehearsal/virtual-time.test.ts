// Waiting takes no real time in a rehearsal. Wait states are rewritten into tasks that advance a
// virtual clock; the clock is a small discrete-event scheduler, so several activities (a rollout
// and the custom resource polling it) share one consistent timeline.
import { VirtualClock } from '../../lib/rehearsal/virtual-clock';
import { pinExecutionContextInNestedStates, transformWaitStates, VIRTUAL_WAIT_RESOURCE, waitSeconds } from '../../lib/rehearsal/wait-states';
import { startExecution } from '../../lib/rehearsal/execution';

describe('the Wait state transform', () => {
  const definition = {
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', SecondsPath: '$.pollSeconds', InputPath: '$.inner', Next: 'Fan' },
      Fan: {
        Type: 'Map', ItemsPath: '$.items', End: true,
        ItemProcessor: { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 5, End: true } } },
      },
    },
  };

  test('every Wait, also inside a Map, becomes a Task with the same InputPath and Next/End', () => {
    const { definition: out, waits } = transformWaitStates(definition);
    expect(out.States.Pause).toEqual({ Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE, InputPath: '$.inner', Next: 'Fan' });
    expect(out.States.Fan.ItemProcessor.States.Nap).toEqual({ Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE, End: true });
    expect([...waits.keys()]).toEqual(['Pause', 'Nap']);
    expect(definition.States.Pause.Type).toBe('Wait'); // the input is not modified
  });

  test('how long each kind of Wait waits', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(waitSeconds({ Seconds: 300 }, {}, now, 'W')).toBe(300);
    expect(waitSeconds({ SecondsPath: '$.bake.seconds' }, { bake: { seconds: 42 } }, now, 'W')).toBe(42);
    expect(waitSeconds({ Timestamp: '2026-01-01T12:01:30Z' }, {}, now, 'W')).toBe(90);
    expect(waitSeconds({ TimestampPath: '$.until' }, { until: '2026-01-01T11:00:00Z' }, now, 'W')).toBe(0);
  });

  test('a SecondsPath that is not a non-negative integer fails like Step Functions (States.Runtime)', () => {
    expect(() => waitSeconds({ SecondsPath: '$.s' }, { s: -1 }, 0, 'Bake')).toThrow(expect.objectContaining({ name: 'States.Runtime' }));
  });

  test('Map iterations see the execution input and start time, as in Step Functions', () => {
    const pinned = pinExecutionContextInNestedStates({
      StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Pass', Parameters: { 'input.$': '$$.Execution.Input' }, End: true } } } } },
    });
    expect(pinned.States.M.ItemProcessor.States.T.Parameters['input.$']).toBe('$$.RehearsalExecution.Input');
  });
});

describe('the virtual clock', () => {
  test('a process that sleeps moves time forward instantly; one that works does not', async () => {
    const clock = new VirtualClock();
    await clock.runProcess(async () => {
      await clock.sleep(1200);
      expect(clock.elapsedSeconds()).toBe(1200);
      await Promise.resolve();
      expect(clock.elapsedSeconds()).toBe(1200);
    });
  });

  test('two processes interleave on one timeline: a poller sees a worker finish at the right time', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    let workerDone = false;
    const worker = clock.runProcess(async () => {
      await clock.sleep(45);
      workerDone = true;
      seen.push(`worker done at ${clock.elapsedSeconds()}`);
    });
    const poller = clock.runProcess(async () => {
      while (!workerDone) {
        seen.push(`poll at ${clock.elapsedSeconds()}`);
        await clock.sleep(20);
      }
      seen.push(`poller saw it at ${clock.elapsedSeconds()}`);
    });
    await Promise.all([worker, poller]);
    expect(seen).toEqual(['poll at 0', 'poll at 20', 'poll at 40', 'worker done at 45', 'poller saw it at 60']);
  });

  test('scenario events fire in time order while someone waits, and not after the last process ends', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.at(30, () => fired.push(clock.elapsedSeconds()));
    clock.at(10, () => fired.push(clock.elapsedSeconds()));
    clock.at(500, () => fired.push(clock.elapsedSeconds()));
    await clock.runProcess(() => clock.sleep(60));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toEqual([10, 30]);
    expect(clock.elapsedSeconds()).toBe(60);
  });

  test('handler code gets a setTimeout on the virtual clock; clearTimeout cancels it', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    await clock.runProcess(async () => {
      const cancelled = clock.setTimeout(() => order.push('cancelled fired'), 5_000);
      clock.clearTimeout(cancelled);
      await new Promise<void>((resolve) => clock.setTimeout(() => { order.push(`slept until ${clock.elapsedSeconds()}`); resolve(); }, 90_000));
    });
    expect(order).toEqual(['slept until 90']);
  });

  test('a runaway loop is stopped with an error instead of running forever', async () => {
    const clock = new VirtualClock({ maxVirtualSeconds: 3600 });
    await expect(clock.runProcess(async () => {
      for (;;) await clock.sleep(600);
    })).rejects.toThrow(/virtual time would pass 1 hours/);
  });

  test('a scenario event that cannot happen stops the rehearsal at once, naming the problem', async () => {
    const clock = new VirtualClock();
    clock.at(30, () => {
      throw new Error("no alarm named 'Typo'");
    });
    await expect(clock.runProcess(() => clock.sleep(60))).rejects.toThrow("the scenario event at 30 s failed: no alarm named 'Typo'");
  });

  test('while installed, Date reads the virtual clock', async () => {
    const clock = new VirtualClock();
    clock.install();
    try {
      const before = Date.now();
      await clock.runProcess(() => clock.sleep(3600));
      expect(Date.now() - before).toBe(3_600_000);
      expect(new Date().toISOString()).toBe(clock.isoNow());
    } finally {
      clock.uninstall();
    }
  });
});

describe('an execution on the virtual clock', () => {
  const definition = {
    StartAt: 'Bake',
    States: {
      Bake: { Type: 'Wait', Seconds: 300, Next: 'Check' },
      Check: {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Check', End: true,
        Retry: [{ ErrorEquals: ['Throttled'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }],
      },
    },
  };

  test('a 5-minute Wait and Retry back-off (2 s, then 4 s) pass in virtual time; transitions count retries', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const record = startExecution({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Demo',
      definition, input: { n: 1 }, name: 'demo', clock,
      invokeTask: async () => {
        calls++;
        if (calls <= 2) throw Object.assign(new Error('slow down'), { name: 'Throttled' });
        return { checkedAt: clock.elapsedSeconds() };
      },
    });
    await record.done;
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ checkedAt: 306 });
    expect(record.transitions).toBe(4); // Bake, Check, and two retries
    expect(record.history.filter((h) => h.type === 'StateRetried').map((h) => h.t)).toEqual([302, 306]);
  });

  test('a task that takes longer than its TimeoutSeconds in virtual time fails with States.Timeout', async () => {
    const clock = new VirtualClock();
    const record = startExecution({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Demo',
      definition: { StartAt: 'Slow', States: { Slow: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Slow', TimeoutSeconds: 70, End: true } } },
      input: {}, name: 'demo', clock,
      invokeTask: async () => {
        await clock.sleep(90); // e.g. a handler polling in a loop with setTimeout
        return {};
      },
    });
    await record.done;
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  test('when a Map iteration fails, the queued iterations stop as in Step Functions (the interpreter would run them)', async () => {
    const clock = new VirtualClock();
    const checked: number[] = [];
    const record = startExecution({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Demo',
      definition: {
        StartAt: 'Bake',
        States: {
          Bake: {
            Type: 'Map', ItemsPath: '$.polls', MaxConcurrency: 1, Next: 'Done',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RollBack' }],
            ItemProcessor: {
              StartAt: 'Wait', States: {
                Wait: { Type: 'Wait', Seconds: 10, Next: 'Check' },
                Check: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Check', End: true },
              },
            },
          },
          RollBack: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:RollBack', End: true },
          Done: { Type: 'Succeed' },
        },
      },
      input: { polls: [1, 2, 3, 4, 5] }, name: 'demo', clock,
      invokeTask: async (_execution, stateName, _task, input: any) => {
        checked.push(clock.elapsedSeconds());
        if (stateName === 'Check' && input === 2) throw Object.assign(new Error('alarm'), { name: 'AlarmBreach' });
        return input;
      },
    });
    await record.done;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(record.status).toBe('SUCCEEDED');
    expect(checked).toEqual([10, 20, 20]); // poll 1, poll 2 (fails), the rollback; polls 3-5 never run
    expect(clock.elapsedSeconds()).toBe(20);
  });

  test('retries exhausted: the execution fails with the task error name and cause', async () => {
    const clock = new VirtualClock();
    const record = startExecution({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Demo',
      definition, input: {}, name: 'demo', clock,
      invokeTask: async () => { throw Object.assign(new Error('still throttled'), { name: 'Throttled' }); },
    });
    await record.done;
    expect(record).toMatchObject({ status: 'FAILED', error: 'Throttled', cause: 'still throttled' });
    expect(clock.elapsedSeconds()).toBe(300 + 2 + 4 + 8);
  });
});

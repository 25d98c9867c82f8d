// `cdk deploy` rehearsed: the first deploy creates the stack (the traffic resource sends 100% to
// the declared live color), and each later deploy is a stack update in which CloudFormation calls
// the custom resources whose properties changed. Custom::BlueGreenRelease starts the rollout and
// cr.Provider polls its isComplete every 20 s of virtual time until the rollout ends.
import { CfnResource, type Stack } from 'aws-cdk-lib';
import { Color } from '../../lib';
import { alarm, assertTrafficInvariant, at, Rehearsal, type TimelineEntry } from '../../lib/rehearsal';
import { serviceStack, type ServiceStackOptions } from './fixtures/service-stack';

const blueLive = serviceStack({ live: Color.BLUE }).stack;
const greenLive = serviceStack({ live: Color.GREEN }).stack;

/**
 * The shop's stack plus a custom resource of its own that CloudFormation reaches after the release
 * (a schema migration that depends on it): `deploy(..., { failResource: 'SchemaMigration' })` fails
 * it after the rollout has succeeded.
 */
function withSchemaMigration(options: ServiceStackOptions): Stack {
  const { stack } = serviceStack(options);
  const release = stack.node.findAll()
    .find((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === 'Custom::BlueGreenRelease')!;
  const migration = new CfnResource(stack, 'SchemaMigration', {
    type: 'Custom::SchemaMigration',
    properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:migrate', Version: options.greenVersion ?? 'v2' },
  });
  migration.node.addDependency(release);
  return stack;
}

function releaseCalls(results: readonly { logicalId: string; requestType: string; status: string; physicalResourceId: string }[]) {
  return results.filter((r) => r.logicalId.startsWith('WebRelease')).map((r) => [r.requestType, r.status, r.physicalResourceId]);
}

/** Index of the first timeline entry after `from` whose event matches. */
function indexOf(timeline: readonly TimelineEntry[], pattern: RegExp, from = 0): number {
  const index = timeline.findIndex((e, i) => i >= from && pattern.test(e.event));
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

// Stable for the life of the resource: CloudFormation would take a new id for a replacement and
// then send its rollback no Update (see cloudformation-model.test.ts).
const RELEASE_ID = 'release:Web';

/** Opens a rehearsal, runs the deploys, closes it, and checks invariant 1 over everything that happened. */
async function withStack<T>(rehearsal: Rehearsal, run: (r: Rehearsal) => Promise<T>): Promise<T> {
  await rehearsal.open();
  let outcome: T;
  try {
    outcome = await run(rehearsal);
  } finally {
    rehearsal.close();
  }
  assertTrafficInvariant(rehearsal);
  return outcome;
}

test('the first deploy sends all traffic to the declared live color and starts no rollout', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });
    expect(world.executions).toEqual([]);
    expect(world.customResourceResults.map((r) => [r.logicalId.replace(/[0-9A-F]{8}$/, ''), r.requestType, r.status])).toEqual([
      ['WebTraffic', 'Create', 'SUCCESS'], ['WebLiveFleetGuard', 'Create', 'SUCCESS'], ['WebRelease', 'Create', 'SUCCESS'],
    ]);
  });
});

test('changing live to GREEN: the deploy runs the rollout and completes when it has succeeded', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    const deploy = await world.deploy(greenLive);
    expect(deploy.status).toBe('UPDATE_COMPLETE');
    expect(deploy.executions.map((e) => [e.name.slice(0, 4), e.status, e.input])).toEqual([
      ['cfn-', 'SUCCEEDED', expect.objectContaining({ from: 'BLUE', to: 'GREEN', requestedBy: 'cloudformation:Shop' })],
    ]);
    const releaseUpdate = deploy.customResources.find((r) => r.logicalId.startsWith('WebRelease'))!;
    // isComplete right after onEvent, then every 20 s: 0, 20, ... 900 (the rollout's last check is
    // due at the same instant and runs after it), 920 sees SUCCEEDED.
    expect(releaseUpdate.polls).toBe(1 + 920 / 20);
    expect(releaseCalls(deploy.customResources)).toEqual([['Update', 'SUCCESS', RELEASE_ID]]);
    expect(deploy.durationSeconds).toBe(920);
    expect(world.weights()).toEqual({ BLUE: 0, GREEN: 100 });
  });
});

test('a rollout that rolls back fails the release resource with its cause, and the stack update rolls back', async () => {
  const world = Rehearsal.fromStack(blueLive, { scenario: [at('7m', alarm('CheckoutErrors', 'ALARM'))] });
  await withStack(world, async () => {
    const deploy = await world.deploy(greenLive);
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.failedResource).toMatch(/^Shop\/Web\/?Release\/Resource\/Default$/);
    expect(deploy.reason).toMatch(/AlarmBreach.*CheckoutErrors/);
    expect(deploy.executions.map((e) => e.status)).toEqual(['FAILED']);
    // The rollback update (live back to BLUE) goes to the same id, finds BLUE live (the rollout put
    // it back) and moves nothing.
    const [created] = releaseCalls(world.customResourceResults);
    expect(created).toEqual(['Create', 'SUCCESS', RELEASE_ID]);
    expect(releaseCalls(deploy.customResources)).toEqual([['Update', 'FAILED', RELEASE_ID], ['Update', 'SUCCESS', RELEASE_ID]]);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });
    expect(world.executions).toHaveLength(1);
  });
});

test('a deploy that would change the fleet serving traffic is stopped by the guard before any fleet changes (invariant 3)', async () => {
  const blueChanged = serviceStack({ live: Color.BLUE, blueVersion: 'v1.1' }).stack;
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    const fleetsBefore = world.fleets.allGroups().map((g) => ({ ...g }));
    const deploy = await world.deploy(blueChanged);
    // The guard lets CloudFormation's rollback update through (it returns to the accepted configuration).
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.failedResource).toMatch(/LiveFleetGuard/);
    expect(deploy.reason).toContain('BLUE');
    expect(world.fleets.allGroups()).toEqual(fleetsBefore);
    expect(world.timeline.some((e) => /updated \(launch configuration/.test(e.event))).toBe(false);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });
  });
});

test('an emergency rollback is not undone silently by the next deploy, and can be acknowledged', async () => {
  const greenV3 = serviceStack({ live: Color.GREEN, greenVersion: 'v3' }).stack;
  const greenV3Acknowledged = serviceStack({ live: Color.GREEN, greenVersion: 'v3', acknowledgeTrafficOverride: 'emergency-1' }).stack;
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    expect((await world.deploy(greenLive)).status).toBe('UPDATE_COMPLETE');
    await world.wait('1h');
    // Someone rolls back to BLUE with the state machine (as the CLI would), outside CloudFormation.
    const emergency = await world.rollout({ from: 'GREEN', to: 'BLUE', reason: 'checkout broken', requestedBy: 'oncall' }, 'emergency-1');
    expect(emergency.status).toBe('SUCCEEDED');

    const refused = await world.deploy(greenV3);
    // The rollback update returns to the accepted properties: it does not refuse again, so the
    // stack completes its rollback instead of ending in UPDATE_ROLLBACK_FAILED.
    expect(refused.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(refused.reason).toContain('moved there outside CloudFormation by execution emergency-1');
    expect(refused.reason).toContain("set acknowledgeTrafficOverride: 'emergency-1'");
    expect(releaseCalls(refused.customResources)).toEqual([['Update', 'FAILED', RELEASE_ID], ['Update', 'SUCCESS', RELEASE_ID]]);
    expect(refused.executions).toEqual([]);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });

    const acknowledged = await world.deploy(greenV3Acknowledged);
    expect(acknowledged.status).toBe('UPDATE_COMPLETE');
    expect(acknowledged.executions.map((e) => [e.status, (e.input as any).from, (e.input as any).to])).toEqual([['SUCCEEDED', 'BLUE', 'GREEN']]);
    expect(world.weights()).toEqual({ BLUE: 0, GREEN: 100 });
  });
});

test('a rollout that succeeded in a deploy that then fails on a later resource is undone before the fleets are reverted', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    const deploy = await world.deploy(withSchemaMigration({ live: Color.GREEN, greenVersion: 'v3' }), { failResource: 'SchemaMigration' });
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.failedResource).toBe('Shop/SchemaMigration');
    expect(deploy.executions.map((e) => [e.status, e.input])).toEqual([
      ['SUCCEEDED', expect.objectContaining({ from: 'BLUE', to: 'GREEN', reason: 'cdk deploy of stack Shop' })],
      ['SUCCEEDED', expect.objectContaining({ from: 'GREEN', to: 'BLUE', reason: 'CloudFormation rollback' })],
    ]);
    // The completed update kept the id, so CloudFormation was not told of a replacement: the
    // rollback sends the release an Update (and deletes nothing).
    expect(releaseCalls(deploy.customResources)).toEqual([['Update', 'SUCCESS', RELEASE_ID], ['Update', 'SUCCESS', RELEASE_ID]]);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });
    // The order of the rollback: the release moves all traffic back to BLUE, then CloudFormation
    // reverts the green fleet, which by then serves nothing.
    const t = world.timeline;
    const rollbackBegins = indexOf(t, /UPDATE_ROLLBACK_IN_PROGRESS/);
    const backOnBlue = t.findIndex((e, i) => i > rollbackBegins && e.blueWeight === 100);
    const greenReverted = indexOf(t, /Green\/.*updated \(launch configuration/, rollbackBegins);
    expect(backOnBlue).toBeGreaterThan(rollbackBegins);
    expect(backOnBlue).toBeLessThan(greenReverted);
    expect(t[greenReverted]).toMatchObject({ blueWeight: 100, greenWeight: 0 });
    expect(indexOf(t, /Release\/Resource\/Default Update: SUCCESS/, rollbackBegins)).toBeLessThan(greenReverted);

    // The migration fixed, the same release deployed again is a deploy, not taken for a rollback.
    const again = await world.deploy(withSchemaMigration({ live: Color.GREEN, greenVersion: 'v3' }));
    expect(again.status).toBe('UPDATE_COMPLETE');
    expect(again.executions.map((e) => [e.status, e.input])).toEqual([
      ['SUCCEEDED', expect.objectContaining({ from: 'BLUE', to: 'GREEN', reason: 'cdk deploy of stack Shop' })],
    ]);
    expect(world.weights()).toEqual({ BLUE: 0, GREEN: 100 });
  });
});

test('an emergency move is left in place by the rollback of a later failed deploy', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    expect((await world.deploy(greenLive)).status).toBe('UPDATE_COMPLETE');
    const emergency = await world.rollout({ from: 'GREEN', to: 'BLUE', reason: 'checkout broken', requestedBy: 'oncall' }, 'emergency-1');
    expect(emergency.status).toBe('SUCCEEDED');
    // The team keeps BLUE (live: BLUE, so the release moves nothing) and fixes GREEN, but a later resource fails.
    const deploy = await world.deploy(withSchemaMigration({ live: Color.BLUE, greenVersion: 'v3' }), { failResource: 'SchemaMigration' });
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    // The rollback update declares GREEN again, but GREEN lost the traffic outside CloudFormation: it stays on BLUE.
    expect(releaseCalls(deploy.customResources)).toEqual([['Update', 'SUCCESS', RELEASE_ID], ['Update', 'SUCCESS', RELEASE_ID]]);
    expect(deploy.executions).toEqual([]);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });
    expect(world.logs.some((line) => line.message.includes('moved there outside CloudFormation by execution emergency-1'))).toBe(true);
  });
});

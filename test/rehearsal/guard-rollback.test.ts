// The live-fleet guard (invariant 3) refuses a deploy that changes the fleet serving traffic, and
// the stack then rolls back cleanly. CloudFormation rolls a failed custom resource back by sending
// it an Update with the properties swapped (aws/aws-cdk#17040); the guard recognises the
// configuration it accepted before (recorded in its PhysicalResourceId) and lets the rollback
// through instead of refusing again (which ended in UPDATE_ROLLBACK_FAILED).
import { Color } from '../../lib';
import { alarm, assertTrafficInvariant, at, Rehearsal } from '../../lib/rehearsal';
import { serviceStack } from './fixtures/service-stack';

const blueLive = serviceStack({ live: Color.BLUE }).stack;
const greenLive = serviceStack({ live: Color.GREEN }).stack;
const blueChanged = serviceStack({ live: Color.BLUE, blueVersion: 'v1.1' }).stack;

const GUARD_ID = /^live-fleet-guard:Shop\/Web:[0-9a-f]{16}$/;

async function withStack(world: Rehearsal, run: (world: Rehearsal) => Promise<void>): Promise<void> {
  await world.open();
  try {
    await run(world);
  } finally {
    world.close();
  }
  assertTrafficInvariant(world);
  expect(world.modelGaps).toEqual([]);
}

function guardCalls(world: Rehearsal, from = 0) {
  return world.customResourceResults.slice(from)
    .filter((r) => r.logicalId.startsWith('WebLiveFleetGuard'))
    .map((r) => ({ requestType: r.requestType, status: r.status, physicalResourceId: r.physicalResourceId }));
}

function guardLogEvents(world: Rehearsal): string[] {
  return world.logs
    .filter((line) => line.message.includes('"event":"live-fleet-guard.'))
    .map((line) => JSON.parse(line.message).event);
}

/** What a deploy must not have touched: the fleets and the weighted rule's forward action. */
function servingState(world: Rehearsal) {
  return {
    fleets: structuredClone(world.fleets.allGroups()),
    weights: world.weights(),
    rules: structuredClone(world.loadBalancing.allRules()),
  };
}

test('a deploy changing the live fleet is refused, and the stack then completes its rollback with traffic and fleets unchanged', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    const [created] = guardCalls(world);
    expect(created).toEqual({ requestType: 'Create', status: 'SUCCESS', physicalResourceId: expect.stringMatching(GUARD_ID) });
    const before = servingState(world);
    const callsBefore = world.calls.length;

    const deploy = await world.deploy(blueChanged);

    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.failedResource).toMatch(/LiveFleetGuard/);
    expect(deploy.reason).toMatch(/^Shop\/Web: this deploy would change the BLUE fleet \(user data\) while it serves 100% of traffic/);
    // Refused, then the rollback Update (properties swapped) to the accepted configuration succeeds,
    // keeping the id that records it.
    expect(guardCalls(world).slice(1)).toEqual([
      { requestType: 'Update', status: 'FAILED', physicalResourceId: created.physicalResourceId },
      { requestType: 'Update', status: 'SUCCESS', physicalResourceId: created.physicalResourceId },
    ]);
    expect(guardLogEvents(world).filter((e) => e !== 'live-fleet-guard.event'))
      .toEqual(['live-fleet-guard.decision', 'live-fleet-guard.rollback-to-accepted']);
    expect(servingState(world)).toEqual(before);
    expect(world.calls.slice(callsBefore).filter((c) => !/^Describe|^Get|^List/.test(c.operation))).toEqual([]);
    expect(world.timeline.some((e) => /updated \(launch configuration/.test(e.event))).toBe(false);
    expect(deploy.executions).toEqual([]);
  });
});

test('after the clean rollback the guard still refuses the same change, and a release to the idle color goes through', async () => {
  await withStack(Rehearsal.fromStack(blueLive), async (world) => {
    expect((await world.deploy(blueChanged)).status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const again = await world.deploy(blueChanged);
    expect(again.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(again.failedResource).toMatch(/LiveFleetGuard/);

    const firstCall = world.customResourceResults.length;
    const release = await world.deploy(greenLive);
    expect(release.status).toBe('UPDATE_COMPLETE');
    expect(world.weights()).toEqual({ BLUE: 0, GREEN: 100 });
    // greenLive only declares GREEN live (same fleet configuration as blueLive): the guard decides
    // it as usual (no serving fleet changes) and keeps the id of the configuration it accepted.
    expect(guardCalls(world, firstCall)).toEqual([
      { requestType: 'Update', status: 'SUCCESS', physicalResourceId: guardCalls(world)[0].physicalResourceId },
    ]);
  });
});

test('a release the guard accepted and the rollout then rolled back: the guard was replaced, so the rollback keeps its old id and deletes the new one', async () => {
  const greenV3 = serviceStack({ live: Color.GREEN, greenVersion: 'v3' }).stack;
  const world = Rehearsal.fromStack(blueLive, { scenario: [at('7m', alarm('CheckoutErrors', 'ALARM'))] });
  await withStack(world, async () => {
    const [created] = guardCalls(world);
    const deploy = await world.deploy(greenV3);
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.failedResource).toMatch(/Release/);
    const [accepted, deleted, ...rest] = guardCalls(world).slice(1);
    // The accepted update records the new configuration in a new id, which CloudFormation takes for
    // a replacement: the rollback sends the guard no Update (the old id, recording the old
    // configuration, is kept) and deletes the new id after the fleets were reverted.
    expect(accepted).toEqual({ requestType: 'Update', status: 'SUCCESS', physicalResourceId: expect.stringMatching(GUARD_ID) });
    expect(accepted.physicalResourceId).not.toBe(created.physicalResourceId);
    expect(deleted).toEqual({ requestType: 'Delete', status: 'SUCCESS', physicalResourceId: accepted.physicalResourceId });
    expect(rest).toEqual([]);
    expect(world.weights()).toEqual({ BLUE: 100, GREEN: 0 });

    // The guard is back on the old configuration: it still refuses a change to the live fleet, and
    // its refusal rolls back cleanly to the old id.
    const firstCall = world.customResourceResults.length;
    const refused = await world.deploy(blueChanged);
    expect(refused.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(refused.failedResource).toMatch(/LiveFleetGuard/);
    expect(guardCalls(world, firstCall)).toEqual([
      { requestType: 'Update', status: 'FAILED', physicalResourceId: created.physicalResourceId },
      { requestType: 'Update', status: 'SUCCESS', physicalResourceId: created.physicalResourceId },
    ]);
  });
});

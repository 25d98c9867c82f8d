// How the rehearsal models CloudFormation's treatment of a custom resource's physical id, proven
// with a probe resource whose handler either keeps its id on Update or answers with a new one:
// - an Update that answers with a new id is a replacement: a completed stack update deletes the old
//   id in its clean-up phase; a rollback sends the replaced resource NO Update (the old resource, old
//   id, is still there) and deletes the new id after everything was reverted;
// - an Update that keeps the id (or fails: a failed Update never changes it) gets the rollback
//   Update, with the properties swapped, to that same id.
// The release and guard resources rely on this (release.test.ts, guard-rollback.test.ts).
import { CfnResource, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Color } from '../../lib';
import { Rehearsal, type CustomResourceResult, type TimelineEntry } from '../../lib/rehearsal';
import { serviceStack } from './fixtures/service-stack';

const PROBE_HANDLER = `
exports.handler = async (event) => {
  const p = event.ResourceProperties;
  if (event.RequestType !== 'Delete' && p.Fail === 'yes') throw new Error('probe ' + p.Name + ' refused ' + p.Version);
  const newId = event.RequestType === 'Create' || (event.RequestType === 'Update' && p.NewIdOnUpdate === 'yes');
  return {
    PhysicalResourceId: newId ? 'probe-' + p.Name + '-' + p.Version : event.PhysicalResourceId,
    Data: { Version: p.Version, OldVersion: (event.OldResourceProperties || {}).Version || '' },
  };
};`;

interface ProbeOptions {
  readonly version: string;
  readonly greenVersion?: string;
  readonly replacedFails?: boolean;
}

/**
 * The shop's stack with two probes after the release (so after both fleets): KeptProbe keeps its id
 * on Update, ReplacedProbe answers with a new one. LaterStep, after both, is what a deploy can fail.
 */
function withProbes(options: ProbeOptions): Stack {
  const { stack } = serviceStack({ live: Color.BLUE, greenVersion: options.greenVersion ?? 'v2' });
  const release = stack.node.findAll()
    .find((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === 'Custom::BlueGreenRelease')!;
  const fn = new lambda.Function(stack, 'ProbeHandler', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(PROBE_HANDLER),
  });
  const probe = (id: string, name: string, newIdOnUpdate: boolean, fail: boolean) => {
    const resource = new CfnResource(stack, id, {
      type: 'Custom::Probe',
      properties: {
        ServiceToken: fn.functionArn, Name: name, Version: options.version,
        NewIdOnUpdate: newIdOnUpdate ? 'yes' : 'no', Fail: fail ? 'yes' : 'no',
      },
    });
    resource.node.addDependency(release);
    return resource;
  };
  const kept = probe('KeptProbe', 'kept', false, false);
  const replaced = probe('ReplacedProbe', 'replaced', true, options.replacedFails ?? false);
  const later = new CfnResource(stack, 'LaterStep', {
    type: 'Custom::LaterStep',
    properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:later', Version: options.version },
  });
  later.node.addDependency(kept, replaced);
  return stack;
}

function probeCalls(results: readonly CustomResourceResult[], logicalIdPrefix: string) {
  return results.filter((r) => r.logicalId.startsWith(logicalIdPrefix))
    .map((r) => [r.requestType, r.status, r.physicalResourceId, r.data.Version ?? '-']);
}

function indexOf(timeline: readonly TimelineEntry[], pattern: RegExp, from = 0): number {
  const index = timeline.findIndex((e, i) => i >= from && pattern.test(e.event));
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

async function withWorld(run: (world: Rehearsal) => Promise<void>): Promise<void> {
  const world = Rehearsal.fromStack(withProbes({ version: 'v1' }), { customResources: ['KeptProbe', 'ReplacedProbe'] });
  await world.open();
  try {
    await run(world);
  } finally {
    world.close();
  }
}

test('the probes are created with their first ids', async () => {
  await withWorld(async (world) => {
    expect(probeCalls(world.customResourceResults, 'KeptProbe')).toEqual([['Create', 'SUCCESS', 'probe-kept-v1', 'v1']]);
    expect(probeCalls(world.customResourceResults, 'ReplacedProbe')).toEqual([['Create', 'SUCCESS', 'probe-replaced-v1', 'v1']]);
  });
});

test('a later resource fails: the resource that kept its id gets the rollback update, the replaced one only loses its new id, after every revert', async () => {
  await withWorld(async (world) => {
    const deploy = await world.deploy(withProbes({ version: 'v2', greenVersion: 'v3' }), { failResource: 'LaterStep' });
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(probeCalls(deploy.customResources, 'KeptProbe')).toEqual([
      ['Update', 'SUCCESS', 'probe-kept-v1', 'v2'],
      ['Update', 'SUCCESS', 'probe-kept-v1', 'v1'],
    ]);
    // No Update to the old id; the new id is deleted with the properties it was created with.
    expect(probeCalls(deploy.customResources, 'ReplacedProbe')).toEqual([
      ['Update', 'SUCCESS', 'probe-replaced-v2', 'v2'],
      ['Delete', 'SUCCESS', 'probe-replaced-v2', 'v2'],
    ]);
    const t = world.timeline;
    const rollbackBegins = indexOf(t, /UPDATE_ROLLBACK_IN_PROGRESS/);
    const keptRolledBack = indexOf(t, /KeptProbe Update: SUCCESS/, rollbackBegins);
    const greenReverted = indexOf(t, /Green\/.*updated \(launch configuration/, rollbackBegins);
    const newIdDeleted = indexOf(t, /ReplacedProbe Delete: SUCCESS/, rollbackBegins);
    expect(newIdDeleted).toBeGreaterThan(keptRolledBack);
    expect(newIdDeleted).toBeGreaterThan(greenReverted);
    expect(indexOf(t, /UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS/, rollbackBegins)).toBeLessThan(newIdDeleted);

    // The stack kept the old resource: the next update goes to the old id, and a completed update
    // deletes the id it replaced (with its old properties) in the clean-up phase.
    const next = await world.deploy(withProbes({ version: 'v2', greenVersion: 'v3' }));
    expect(next.status).toBe('UPDATE_COMPLETE');
    expect(probeCalls(next.customResources, 'ReplacedProbe')).toEqual([
      ['Update', 'SUCCESS', 'probe-replaced-v2', 'v2'],
      ['Delete', 'SUCCESS', 'probe-replaced-v1', 'v1'],
    ]);
    expect(probeCalls(next.customResources, 'KeptProbe')).toEqual([['Update', 'SUCCESS', 'probe-kept-v1', 'v2']]);
    const updatedAt = indexOf(world.timeline, /ReplacedProbe Update: SUCCESS/, greenReverted);
    expect(indexOf(world.timeline, /UPDATE_COMPLETE_CLEANUP_IN_PROGRESS/, updatedAt))
      .toBeLessThan(indexOf(world.timeline, /ReplacedProbe Delete: SUCCESS/, updatedAt));
  });
});

test('a failed update never changes the id: the resource gets the rollback update to its old id, and nothing is deleted', async () => {
  await withWorld(async (world) => {
    const deploy = await world.deploy(withProbes({ version: 'v2', replacedFails: true }));
    expect(deploy.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(deploy.reason).toBe('probe replaced refused v2');
    expect(probeCalls(deploy.customResources, 'ReplacedProbe')).toEqual([
      ['Update', 'FAILED', 'probe-replaced-v1', '-'],
      ['Update', 'SUCCESS', 'probe-replaced-v1', 'v1'],
    ]);
    // The kept probe ran before it (same dependencies, earlier in the template) and is rolled back too.
    expect(probeCalls(deploy.customResources, 'KeptProbe')).toEqual([
      ['Update', 'SUCCESS', 'probe-kept-v1', 'v2'],
      ['Update', 'SUCCESS', 'probe-kept-v1', 'v1'],
    ]);
  });
});

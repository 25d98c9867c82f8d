import { createHash } from 'node:crypto';
import { decideCompletion } from '../../../lib/handlers/release/execution-status';
import fc from 'fast-check';
import {
  acceptedAfter, acceptedFromLegacyId, type AcceptedProperties, canonicalJson, decideRelease, isCloudFormationRollback,
  propertiesHash, releasePhysicalId, type ReleaseSituation,
} from '../../../lib/handlers/release/release-decision';

const base: ReleaseSituation = {
  service: 'web',
  declared: 'GREEN',
  previousDeclared: 'BLUE',
  weights: { BLUE: 100, GREEN: 0 },
  acknowledged: '',
};

const emergency: ReleaseSituation = {
  ...base,
  previousDeclared: 'GREEN',
  lastMove: {
    color: 'BLUE', kind: 'ROLLOUT', executionName: 'cli-hotfix-1', at: '2026-01-02T03:04:05Z',
    reason: 'green broke checkout', requestedBy: 'cli:ana',
  },
};

describe('release decision', () => {
  test('declared live changed and traffic is on the old color: start the rollout', () => {
    expect(decideRelease(base)).toEqual({ kind: 'START', from: 'BLUE', to: 'GREEN', purpose: 'DEPLOY' });
  });

  test('declared live already has all traffic: nothing to do', () => {
    expect(decideRelease({ ...base, weights: { BLUE: 0, GREEN: 100 } })).toMatchObject({ kind: 'NONE' });
    // CloudFormation rolling back after a failed rollout: old template, traffic already restored.
    expect(decideRelease({ ...base, declared: 'BLUE', previousDeclared: 'GREEN' })).toMatchObject({ kind: 'NONE' });
  });

  test('first deploy of the resource with traffic elsewhere starts a rollout', () => {
    expect(decideRelease({ ...base, previousDeclared: undefined })).toEqual({ kind: 'START', from: 'BLUE', to: 'GREEN', purpose: 'DEPLOY' });
  });

  test('traffic moved outside CloudFormation is not moved back without the acknowledgement it names', () => {
    const decision = decideRelease(emergency);
    expect(decision.kind).toBe('REFUSE');
    expect(decision.kind === 'REFUSE' && decision.message).toBe(
      'The template declares live = GREEN for web, but all traffic is on BLUE: it was moved there outside CloudFormation ' +
      'by execution cli-hotfix-1 (rollout, 2026-01-02T03:04:05Z, requested by cli:ana, reason: green broke checkout), ' +
      'probably an emergency rollback. This deploy would move it back to GREEN, so it stops instead. If the problem is fixed ' +
      "and GREEN should serve again, set acknowledgeTrafficOverride: 'cli-hotfix-1' and deploy again. To keep BLUE, set live: Color.BLUE.");
    expect(decideRelease({ ...emergency, acknowledged: 'some-other-run' }).kind).toBe('REFUSE');
    expect(decideRelease({ ...emergency, acknowledged: 'cli-hotfix-1' })).toEqual({ kind: 'START', from: 'BLUE', to: 'GREEN', purpose: 'DEPLOY' });
  });

  test('a move by hand (no recorded rollout) asks for manual-<color>', () => {
    const byHand = { ...emergency, lastMove: undefined };
    expect(decideRelease(byHand)).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/by hand .*acknowledgeTrafficOverride: 'manual-BLUE'/) });
    expect(decideRelease({ ...byHand, acknowledged: 'manual-BLUE' })).toEqual({ kind: 'START', from: 'BLUE', to: 'GREEN', purpose: 'DEPLOY' });
  });

  test('a rollout started by a previous deploy is aborted and awaited; one started elsewhere refuses the deploy', () => {
    expect(decideRelease({ ...base, runningExecution: { id: 'arn:x:cfn-123', name: 'cfn-123' } }))
      .toEqual({ kind: 'ABORT_AND_WAIT', executionId: 'arn:x:cfn-123' });
    expect(decideRelease({ ...base, runningExecution: { id: 'arn:x:cli-9', name: 'cli-9' } }))
      .toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/started outside CloudFormation is running \(execution cli-9\)/) });
  });

  test('split or missing weights without a running rollout are refused with what to do', () => {
    expect(decideRelease({ ...base, weights: { BLUE: 50, GREEN: 50 } }))
      .toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/split \(BLUE 50% \/ GREEN 50%\).*Move all traffic to one color/) });
    expect(decideRelease({ ...base, weights: undefined })).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/no forward action/) });
  });
});

describe('completion', () => {
  test('running waits, succeeded completes', () => {
    expect(decideCompletion({ name: 'cfn-1', status: 'RUNNING' }, false)).toEqual({ kind: 'WAIT' });
    expect(decideCompletion({ name: 'cfn-1', status: 'SUCCEEDED' }, false)).toEqual({ kind: 'DONE' });
  });

  test('failed, timed out or aborted fails with the rollout cause', () => {
    expect(decideCompletion({ name: 'cfn-1', status: 'FAILED', error: 'AlarmBreach', cause: 'Rollout of web ... Traffic is back on BLUE' }, false))
      .toEqual({ kind: 'FAIL', message: expect.stringMatching(/^The rollout cfn-1 ended FAILED: AlarmBreach: Rollout of web \.\.\. Traffic is back on BLUE/) });
    expect(decideCompletion({ name: 'cfn-1', status: 'ABORTED' }, false)).toMatchObject({ kind: 'FAIL', message: expect.stringMatching(/ended ABORTED: no cause recorded/) });
    expect(decideCompletion({ name: 'cfn-1', status: 'TIMED_OUT', error: 'States.Timeout' }, false)).toMatchObject({ kind: 'FAIL' });
  });

  test('a refused start shows the message inside the Lambda error document', () => {
    const cause = JSON.stringify({ errorType: 'RolloutRefused', errorMessage: 'Another rollout of web is running', trace: [] });
    expect(decideCompletion({ name: 'cfn-1', status: 'FAILED', error: 'RolloutRefused', cause }, false))
      .toMatchObject({ message: expect.stringMatching(/ended FAILED: RolloutRefused: Another rollout of web is running/) });
  });

  test('when awaiting an abort, any end completes', () => {
    expect(decideCompletion({ name: 'cfn-1', status: 'FAILED', error: 'RolloutAborted' }, true)).toEqual({ kind: 'DONE' });
  });
});

describe('physical id and properties hash', () => {
  const properties = { ServiceName: 'web', Live: 'BLUE', TargetGroups: { GREEN: 'tg-g', BLUE: 'tg-b' }, FleetRevision: '' };

  test('the physical id names only the service, so it never changes with the properties', () => {
    expect(releasePhysicalId('web')).toBe('release:web');
  });

  test('the hash is the first 16 hex of the sha256 of the canonical JSON of the properties', () => {
    const canonical = '{"FleetRevision":"","Live":"BLUE","ServiceName":"web","TargetGroups":{"BLUE":"tg-b","GREEN":"tg-g"}}';
    expect(canonicalJson(properties)).toBe(canonical);
    expect(propertiesHash(properties)).toBe(createHash('sha256').update(canonical).digest('hex').slice(0, 16));
  });

  test('the hash does not depend on key order, and changes with any property', () => {
    const reordered = { FleetRevision: '', TargetGroups: { BLUE: 'tg-b', GREEN: 'tg-g' }, Live: 'BLUE', ServiceName: 'web' };
    expect(propertiesHash(reordered)).toBe(propertiesHash(properties));
    for (const change of [{ Live: 'GREEN' }, { FleetRevision: 'lt-2' }, { AcknowledgeTrafficOverride: 'cli-1' }, { TargetGroups: { BLUE: 'tg-b', GREEN: 'tg-x' } }]) {
      expect(propertiesHash({ ...properties, ...change })).not.toBe(propertiesHash(properties));
    }
  });

  test('an id of the version that kept the digest in the id still says what was accepted; other ids say nothing', () => {
    expect(acceptedFromLegacyId('release:web:0123456789abcdef', 'web')).toEqual({ hash: '0123456789abcdef' });
    for (const id of ['release:web', 'web-release', 'release:web:0123', 'release:webshop:0123456789abcdef', 'release:other:0123456789abcdef']) {
      expect(acceptedFromLegacyId(id, 'web')).toBeUndefined();
    }
  });
});

describe('telling CloudFormation\'s rollback update from a deploy', () => {
  test('undoing an update that failed: back to the accepted properties from others', () => {
    expect(isCloudFormationRollback({ target: 'v1', old: 'v2' }, { hash: 'v1' })).toBe(true);
    expect(isCloudFormationRollback({ target: 'v1', old: 'v2' }, { hash: 'v1', previousHash: 'v0' })).toBe(true);
  });

  test('undoing an update that completed (a later resource failed): from the accepted properties back to the ones they replaced', () => {
    expect(isCloudFormationRollback({ target: 'v1', old: 'v2' }, { hash: 'v2', previousHash: 'v1' })).toBe(true);
  });

  test('a deploy starts from the accepted properties to new ones: not a rollback', () => {
    expect(isCloudFormationRollback({ target: 'v3', old: 'v2' }, { hash: 'v2', previousHash: 'v1' })).toBe(false);
    expect(isCloudFormationRollback({ target: 'v2', old: 'v1' }, { hash: 'v1' })).toBe(false);
    // Nothing recorded yet (a resource created before this version), or a Create.
    expect(isCloudFormationRollback({ target: 'v1', old: 'v2' }, undefined)).toBe(false);
    expect(isCloudFormationRollback({ target: 'v1' }, { hash: 'v1' })).toBe(false);
  });

  test('what a completed update records: what it replaced, unless it was a rollback or a Create', () => {
    expect(acceptedAfter({ target: 'v2', old: 'v1' }, false)).toEqual({ hash: 'v2', previousHash: 'v1' });
    expect(acceptedAfter({ target: 'v1', old: 'v2' }, true)).toEqual({ hash: 'v1' });
    expect(acceptedAfter({ target: 'v1' }, false)).toEqual({ hash: 'v1' });
  });

  // A stack's life, as CloudFormation drives the resource: each deploy changes the properties and
  // either completes, fails at the release (refused, or the rollout rolled back) or fails at a later
  // resource. Only completed Creates/Updates record what they accepted, as the handler does.
  const deployArb = fc.record({ target: fc.integer({ min: 0, max: 3 }), outcome: fc.constantFrom('OK', 'RELEASE_FAILS', 'LATER_FAILS') });
  test('over any history, every rollback update is recognised, and a deploy only when it redeploys the template before the last', () => {
    fc.assert(fc.property(fc.array(deployArb, { maxLength: 12 }), (deploys) => {
      const hash = (n: number) => `v${n}`;
      let inStack = 0;
      let accepted: AcceptedProperties = acceptedAfter({ target: hash(inStack) }, false);
      // The properties before the last completed deploy, when that deploy was taken for a deploy.
      let beforeLastDeploy: number | undefined;
      for (const { target, outcome } of deploys) {
        if (target === inStack) continue; // CloudFormation does not update unchanged properties.
        const forward = { target: hash(target), old: hash(inStack) };
        const takenForRollback = isCloudFormationRollback(forward, accepted);
        expect(takenForRollback).toBe(target === beforeLastDeploy);
        if (outcome !== 'RELEASE_FAILS') {
          accepted = acceptedAfter(forward, takenForRollback);
        }
        if (outcome === 'OK') {
          beforeLastDeploy = takenForRollback ? undefined : inStack;
          inStack = target;
          continue;
        }
        const rollback = { target: hash(inStack), old: hash(target) };
        // The documented ambiguity: a deploy taken for a rollback records nothing to undo.
        if (!(outcome === 'LATER_FAILS' && takenForRollback)) {
          expect(isCloudFormationRollback(rollback, accepted)).toBe(true);
        }
        accepted = acceptedAfter(rollback, true);
        beforeLastDeploy = undefined;
      }
    }));
  });
});

describe('CloudFormation rollback', () => {
  // The accepted template declares BLUE; the failed deploy declared GREEN.
  const rollback: ReleaseSituation = { ...base, declared: 'BLUE', previousDeclared: 'GREEN', cloudFormationRollback: true };
  const movedByDeploy = {
    color: 'GREEN', kind: 'ROLLOUT', executionName: 'cfn-1111-2222', at: '2026-01-02T03:04:05Z',
    reason: 'cdk deploy of stack Shop', requestedBy: 'cloudformation:Shop',
  } as const;

  test('a refused deploy (nothing moved) or a rolled-back rollout (traffic back on the accepted color): nothing to do', () => {
    expect(decideRelease(rollback)).toMatchObject({ kind: 'NONE' });
    expect(decideRelease({ ...rollback, lastMove: { ...movedByDeploy, color: 'BLUE', kind: 'ROLLBACK' } })).toMatchObject({ kind: 'NONE' });
  });

  test('a rollout of the failed deploy that succeeded is undone: back to the accepted color before its fleet is reverted', () => {
    expect(decideRelease({ ...rollback, weights: { BLUE: 0, GREEN: 100 }, lastMove: movedByDeploy }))
      .toEqual({ kind: 'START', from: 'GREEN', to: 'BLUE', purpose: 'CLOUDFORMATION_ROLLBACK' });
  });

  test('traffic moved outside CloudFormation stays where it is, and the rollback succeeds', () => {
    // Same situation as the refused deploy above, but now it is the rollback of that deploy.
    const emergencyRollback = { ...emergency, declared: 'GREEN', previousDeclared: 'GREEN', cloudFormationRollback: true } as const;
    expect(decideRelease({ ...emergencyRollback, cloudFormationRollback: false }).kind).toBe('REFUSE');
    expect(decideRelease(emergencyRollback)).toEqual({
      kind: 'NONE',
      message: 'CloudFormation rollback of web: all traffic is on BLUE, moved there outside CloudFormation by execution cli-hotfix-1; ' +
        'the rollback leaves it there instead of moving it back to GREEN.',
    });
    expect(decideRelease({ ...emergencyRollback, lastMove: undefined })).toMatchObject({ kind: 'NONE', message: expect.stringMatching(/outside CloudFormation by hand/) });
    // A deploy's rollout that was followed by a move by hand (the record names the other color).
    expect(decideRelease({ ...rollback, weights: { BLUE: 0, GREEN: 100 }, lastMove: { ...movedByDeploy, color: 'BLUE' } }))
      .toMatchObject({ kind: 'NONE', message: expect.stringMatching(/by hand/) });
  });

  test('a running rollout: the deploy\'s own is aborted and awaited, one started elsewhere is left alone', () => {
    expect(decideRelease({ ...rollback, runningExecution: { id: 'arn:x:cfn-123', name: 'cfn-123' } }))
      .toEqual({ kind: 'ABORT_AND_WAIT', executionId: 'arn:x:cfn-123' });
    expect(decideRelease({ ...rollback, runningExecution: { id: 'arn:x:cli-9', name: 'cli-9' } }))
      .toMatchObject({ kind: 'NONE', message: expect.stringMatching(/execution cli-9.*leaves it/) });
  });

  test('split or unreadable traffic stops the rollback before any fleet is reverted, saying how to continue', () => {
    expect(decideRelease({ ...rollback, weights: { BLUE: 50, GREEN: 50 } }))
      .toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/split \(BLUE 50% \/ GREEN 50%\).*continue-update-rollback/) });
    expect(decideRelease({ ...rollback, weights: undefined })).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/unreadable/) });
  });
});

import { createHash } from 'node:crypto';
import { decideCompletion } from '../../../lib/handlers/release/execution-status';
import { acceptedStateId, canonicalJson, decideRelease, type ReleaseSituation } from '../../../lib/handlers/release/release-decision';

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

describe('accepted state id', () => {
  const properties = { ServiceName: 'web', Live: 'BLUE', TargetGroups: { GREEN: 'tg-g', BLUE: 'tg-b' }, FleetRevision: '' };

  test('is release:<service>:<first 16 hex of the sha256 of the canonical JSON of the properties>', () => {
    const canonical = '{"FleetRevision":"","Live":"BLUE","ServiceName":"web","TargetGroups":{"BLUE":"tg-b","GREEN":"tg-g"}}';
    expect(canonicalJson(properties)).toBe(canonical);
    expect(acceptedStateId('web', properties)).toBe(`release:web:${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`);
  });

  test('does not depend on key order, and changes with any property', () => {
    const reordered = { FleetRevision: '', TargetGroups: { BLUE: 'tg-b', GREEN: 'tg-g' }, Live: 'BLUE', ServiceName: 'web' };
    expect(acceptedStateId('web', reordered)).toBe(acceptedStateId('web', properties));
    for (const change of [{ Live: 'GREEN' }, { FleetRevision: 'lt-2' }, { AcknowledgeTrafficOverride: 'cli-1' }, { TargetGroups: { BLUE: 'tg-b', GREEN: 'tg-x' } }]) {
      expect(acceptedStateId('web', { ...properties, ...change })).not.toBe(acceptedStateId('web', properties));
    }
  });
});

describe('CloudFormation rollback (the update returns to the accepted state)', () => {
  // The accepted template declares BLUE; the failed deploy declared GREEN.
  const rollback: ReleaseSituation = { ...base, declared: 'BLUE', previousDeclared: 'GREEN', returnToAcceptedState: true };
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
    const emergencyRollback = { ...emergency, declared: 'GREEN', previousDeclared: 'GREEN', returnToAcceptedState: true } as const;
    expect(decideRelease({ ...emergencyRollback, returnToAcceptedState: false }).kind).toBe('REFUSE');
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

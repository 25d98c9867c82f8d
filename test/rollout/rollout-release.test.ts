import { type CfnElement, Duration } from 'aws-cdk-lib';
import type * as cr from 'aws-cdk-lib/custom-resources';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Color } from '../../lib/color';
import { Rollout } from '../../lib/rollout/rollout';
import { RolloutRelease } from '../../lib/rollout/rollout-release';
import { RULE_ARN, rolloutFixture } from './rollout-fixture';

test('the release custom resource carries what onEvent needs, through one provider per stack', () => {
  const { stack, rollout } = rolloutFixture();
  new RolloutRelease(stack, 'Release', { rollout, serviceName: 'web', ruleArn: RULE_ARN, live: Color.GREEN, fleetRevision: 'lt-7' });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('Custom::BlueGreenRelease', {
    ServiceName: 'web',
    Live: 'GREEN',
    RuleArn: RULE_ARN,
    StateMachineArn: { Ref: Match.stringLikeRegexp('WebRolloutStateMachine') },
    TargetGroups: { BLUE: { Ref: Match.stringLikeRegexp('BlueTg') }, GREEN: { Ref: Match.stringLikeRegexp('GreenTg') } },
    AcknowledgeTrafficOverride: '',
    FleetRevision: 'lt-7',
  });
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent' });
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete' });
  // onEvent may start only this state machine; isComplete may describe only its executions.
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution', Resource: { Ref: Match.stringLikeRegexp('WebRolloutStateMachine') } })]) },
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
      Action: 'states:DescribeExecution',
      Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':execution:')])] },
    })]) },
  });
});

test('a plan that cannot finish within the custom resource hour is rejected, pointing to RolloutTrigger.MANUAL', () => {
  const { stack, rollout } = rolloutFixture({ plan: Rollout.steps([10, 50, 100], { bake: Duration.minutes(15) }) });
  expect(() => new RolloutRelease(stack, 'Release', { rollout, serviceName: 'web', ruleArn: RULE_ARN, live: Color.GREEN }))
    .toThrow(/the rollout can take up to 58 minutes .* set startRollout: RolloutTrigger.MANUAL/);
});

test('the default plan fits', () => {
  const { rollout } = rolloutFixture();
  expect(rollout.maxDuration.toMinutes({ integral: false })).toBeLessThan(55);
});

test('acknowledgeTrafficOverride is validated', () => {
  const { stack, rollout } = rolloutFixture();
  expect(() => new RolloutRelease(stack, 'Release', { rollout, serviceName: 'web', ruleArn: RULE_ARN, live: Color.GREEN, acknowledgeTrafficOverride: 'two words' }))
    .toThrow(/acknowledgeTrafficOverride must be the execution name/);
});

test('isComplete may only update the items of its own service (it records the accepted properties)', () => {
  const { stack, rollout } = rolloutFixture();
  new RolloutRelease(stack, 'Release', { rollout, serviceName: 'web', ruleArn: RULE_ARN, live: Color.GREEN });
  const template = Template.fromStack(stack);
  const provider = stack.node.tryFindChild('CdkBlueGreenReleaseProvider') as cr.Provider;
  const isCompleteRole = stack.getLogicalId(provider.isCompleteHandler!.role!.node.defaultChild as CfnElement);
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: isCompleteRole }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
      Action: 'dynamodb:UpdateItem',
      Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('RolloutState'), 'Arn'] },
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['web'] } },
    })]) },
  });
});

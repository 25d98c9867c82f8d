// Rollout events in the template: the rule onRolloutEvent() creates, and the one permission the
// shared rollout handler needs to emit them.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BlueGreenService } from '../lib';
import { newService, newStack, resourcesOfType, TemplateJson } from './blue-green-service.fixture';

function stateMachineRef(stack: Stack, service: BlueGreenService): { Ref: string } {
  return { Ref: stack.getLogicalId(service.rolloutStateMachine.node.defaultChild as any) };
}

/** Every IAM statement of the template that allows an EventBridge action, with its policy's roles. */
function eventStatements(json: TemplateJson): Array<{ roles: unknown; statement: any }> {
  return resourcesOfType(json, 'AWS::IAM::Policy').flatMap(([, policy]) =>
    (policy.Properties!.PolicyDocument.Statement as any[])
      .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('events:')))
      .map((statement) => ({ roles: policy.Properties!.Roles, statement })));
}

describe('onRolloutEvent', () => {
  const { stack, vpc } = newStack();
  const web = newService(stack, vpc);
  const api = newService(stack, vpc, {}, 'Api');
  const topic = new sns.Topic(stack, 'Pager');
  const everything = web.onRolloutEvent('AllRolloutEvents', { target: new targets.SnsTopic(topic), description: 'every Web rollout decision' });
  api.onRolloutEvent('RolledBack', { eventPattern: { detailType: ['Blue-Green Rollout Rolled Back'] } });
  const template = Template.fromStack(stack);

  test('matches the library\'s source, this service\'s name, and its own state machine, with the given target', () => {
    expect(everything).toBeInstanceOf(events.Rule);
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'every Web rollout decision',
      EventPattern: {
        source: ['cdk-blue-green'],
        detail: { service: ['Web'] },
        resources: [stateMachineRef(stack, web)],
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { Ref: stack.getLogicalId(topic.node.defaultChild as any) } })],
    });
  });

  test('a further pattern narrows the match; each service\'s rule names only that service', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['cdk-blue-green'],
        'detail-type': ['Blue-Green Rollout Rolled Back'],
        'detail': { service: ['Api'] },
        'resources': [stateMachineRef(stack, api)],
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 2);
  });
});

describe('the rollout handler may put events on the default event bus only', () => {
  const { stack, vpc } = newStack();
  newService(stack, vpc);
  newService(stack, vpc, {}, 'Api');
  const json = Template.fromStack(stack).toJSON() as TemplateJson;

  test('one statement per stack, events:PutEvents on the stack\'s own account and region default bus, for the shared handler\'s role', () => {
    const [[roleId]] = resourcesOfType(json, 'AWS::IAM::Role').filter(([id]) => id.startsWith('CdkBlueGreenRolloutHandlerRole'));
    expect(eventStatements(json)).toEqual([{
      roles: [{ Ref: roleId }],
      statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: {
          'Fn::Join': ['', [
            'arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default',
          ]],
        },
      },
    }]);
  });

  test('with an explicit environment the ARN names that account and region', () => {
    const env = newStack({ account: '123456789012', region: 'eu-west-1' });
    newService(env.stack, env.vpc);
    const [only] = eventStatements(Template.fromStack(env.stack).toJSON() as TemplateJson);
    expect(JSON.stringify(only.statement.Resource)).toContain(':events:eu-west-1:123456789012:event-bus/default');
  });
});

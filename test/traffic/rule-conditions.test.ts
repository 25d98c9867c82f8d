import { Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PropErrors } from '../../lib/private/prop-validation';
import { listenerRulesArnPattern } from '../../lib/traffic/listener-arns';
import { toRuleConditions, validateRuleConditions } from '../../lib/traffic/rule-conditions';

describe('toRuleConditions: CDK listener conditions in the ELBv2 API shape', () => {
  test('every condition type', () => {
    expect(toRuleConditions([
      elbv2.ListenerCondition.hostHeaders(['a.example.com']),
      elbv2.ListenerCondition.pathPatterns(['/api/*', '/v2/*']),
      elbv2.ListenerCondition.httpHeader('X-Env', ['canary']),
      elbv2.ListenerCondition.httpRequestMethods(['GET']),
      elbv2.ListenerCondition.queryStrings([{ key: 'v', value: '2' }, { value: 'beta' }]),
      elbv2.ListenerCondition.sourceIps(['203.0.113.0/24']),
    ])).toEqual([
      { Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com'] } },
      { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*', '/v2/*'] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['canary'] } },
      { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
      { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }, { Value: 'beta' }] } },
      { Field: 'source-ip', SourceIpConfig: { Values: ['203.0.113.0/24'] } },
    ]);
  });
});

describe('validateRuleConditions', () => {
  function problems(conditions: elbv2.ListenerCondition[] | undefined): string[] {
    const errors = new PropErrors('S/Web');
    validateRuleConditions(errors, 'listenerConditions', conditions);
    if (errors.count === 0) return [];
    try {
      errors.throwIfAny();
    } catch (error) {
      return (error as Error).message.split(/\n {2}- |: invalid props: /).slice(1);
    }
    return [];
  }

  test('five values across conditions are fine', () => {
    expect(problems([
      elbv2.ListenerCondition.hostHeaders(['a.example.com', 'b.example.com']),
      elbv2.ListenerCondition.pathPatterns(['/a', '/b', '/c']),
    ])).toEqual([]);
  });

  test('http-header may repeat, host-header may not', () => {
    expect(problems([
      elbv2.ListenerCondition.httpHeader('A', ['1']),
      elbv2.ListenerCondition.httpHeader('B', ['2']),
    ])).toEqual([]);
    expect(problems([
      elbv2.ListenerCondition.hostHeaders(['a.example.com']),
      elbv2.ListenerCondition.hostHeaders(['b.example.com']),
    ])).toEqual([expect.stringContaining('listenerConditions[1] repeats the host-header condition')]);
  });

  test('missing, empty and non-condition values', () => {
    expect(problems(undefined)).toEqual([expect.stringContaining('listenerConditions is required with listener')]);
    expect(problems([])).toEqual([expect.stringContaining('must contain at least one ListenerCondition')]);
    expect(problems([{ field: 'host-header' } as any])).toEqual([expect.stringContaining('listenerConditions[0] must be created with elbv2.ListenerCondition')]);
  });
});

describe('listener ARNs', () => {
  const listenerArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';

  test('the rule pattern of a known listener ARN is computed at synth time', () => {
    expect(listenerRulesArnPattern(listenerArn))
      .toBe('arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/*');
  });

  test('the rule pattern of a token is computed by CloudFormation', () => {
    const stack = new Stack();
    const arn = new elbv2.CfnListener(stack, 'L', { loadBalancerArn: 'x', defaultActions: [] }).ref;
    expect(stack.resolve(listenerRulesArnPattern(arn))).toEqual({
      'Fn::Join': ['', [{ 'Fn::Join': [':listener-rule/', { 'Fn::Split': [':listener/', { Ref: 'L' }] }] }, '/*']],
    });
  });
});

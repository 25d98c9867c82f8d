import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { InsufficientDataPolicy } from '../../lib/rollout/alarm-options';
import { Rollout } from '../../lib/rollout/rollout';
import { SmokeTest } from '../../lib/rollout/smoke-test';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { colorOf, definitionOf, RULE_ARN, rolloutFixture, TEST_RULE_ARN } from './rollout-fixture';

describe('resources', () => {
  const { stack } = rolloutFixture();
  const template = Template.fromStack(stack);

  test('a standard state machine that logs all events with execution data, with tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });

  test('the state table: service + record keys, on-demand, PITR, encrypted, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'service', KeyType: 'HASH' }, { AttributeName: 'record', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  test('one built-in alarm per color over all three conditions, missing data not breaching', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    const alarm = builtInAlarm(template, 'GREEN');
    expect(alarm).toMatchObject({
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
    });
    const stats = alarm.Metrics.filter((m: any) => m.MetricStat)
      .map((m: any) => [m.Id, m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period, m.ReturnData]);
    expect(stats).toEqual(expect.arrayContaining([
      ['requests', 'RequestCount', 'Sum', 60, false],
      ['errors', 'HTTPCode_Target_5XX_Count', 'Sum', 60, false],
      ['p99', 'TargetResponseTime', 'p99', 60, false],
      ['unhealthy', 'UnHealthyHostCount', 'Maximum', 60, false],
    ]));
    expect(stats).toHaveLength(4);
    expect(alarm.AlarmDescription).toContain('web GREEN');
    expect(alarm.AlarmDescription).toContain('target 5XX rate above 5% (judged from 20 requests per minute)');
    expect(alarm.AlarmDescription).toContain('p99 target response time above 2 seconds');
    expect(alarm.AlarmDescription).toContain('1 or more unhealthy targets');
  });

  test.each([
    ['no data at all', {}, 0],
    ['5% 5XX is not above 5%', { requests: 100, errors: 5 }, 0],
    ['6% 5XX', { requests: 100, errors: 6 }, 1],
    ['only 5XX, below 20 requests a minute', { requests: 19, errors: 19 }, 0],
    ['10% 5XX at 20 requests a minute', { requests: 20, errors: 2 }, 1],
    ['p99 of exactly 2 s', { requests: 100, p99: 2 }, 0],
    ['p99 above 2 s', { requests: 100, p99: 2.01 }, 1],
    ['p99 above 2 s without a request count', { p99: 3 }, 1],
    ['no unhealthy target', { unhealthy: 0 }, 0],
    ['one unhealthy target, no traffic', { unhealthy: 1 }, 1],
  ])('default conditions: %s, %j -> %d', (_case, values, expected) => {
    expect(evaluateExpression(builtInAlarm(template, 'BLUE'), values)).toBe(expected);
  });
  test('the handler may modify only this service\'s rules and touch only its own items', () => {
    const handlerFunction = Object.entries<any>(template.findResources('AWS::Lambda::Function'))
      .find(([id]) => id.startsWith('CdkBlueGreenRolloutHandler'))![1];
    const handlerRole = handlerFunction.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === handlerRole));
    const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const modify = statements.filter((s: any) => [s.Action].flat().includes('elasticloadbalancing:ModifyRule'));
    expect(modify).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: [RULE_ARN, TEST_RULE_ARN] })]);
    const dynamo = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([expect.objectContaining({
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['web'] } },
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CdkBlueGreenRolloutState/), 'Arn'] },
    })]);
    const describe = statements.filter((s: any) => s.Action === 'states:DescribeExecution');
    expect(describe).toEqual([expect.objectContaining({
      Resource: { 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:execution:$/), { 'Fn::GetAtt': [expect.stringMatching(/^WebRolloutStateMachine/), 'Name'] }, ':*'])] },
    })]);
    const wildcard = statements.filter((s: any) => s.Resource === '*');
    expect(wildcard.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups', 'cloudwatch:DescribeAlarms', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth',
      // X-Ray tracing of the function (added by aws-lambda)
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ].sort());
  });

  test('every task except the rollback catches States.ALL into the rollback (or refusal) path', () => {
    const definition = definitionOf(stack);
    for (const [name, state] of Object.entries<any>(definition.States)) {
      if (state.Type === 'Task' || state.Type === 'Map') {
        const expected = name === 'Lock' ? 'Rollout refused' : name === 'Roll back' ? 'Rollback failed' : 'Roll back';
        expect([name, state.Catch]).toEqual([name, [expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: expected })]]);
      }
    }
  });

  test('every task invokes the shared rollout handler directly (payloadResponseOnly) with its action', () => {
    const definition = definitionOf(stack);
    const tasks: Array<[string, any]> = [];
    const collect = (states: Record<string, any>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Task') tasks.push([name, state]);
        if (state.Type === 'Map') collect(state.ItemProcessor.States);
      }
    };
    collect(definition.States);
    expect(tasks.map(([name, t]) => [name, t.Parameters.action])).toEqual([
      ['Lock', 'lock'],
      ['Health gate: check targets', 'checkHealth'],
      ['Step 1 (10%): set weights', 'setWeights'],
      ['Step 1 (10%): verify weights', 'verifyWeights'],
      ['Step 1 (10%): check alarms', 'checkAlarms'],
      ['Step 2 (50%): set weights', 'setWeights'],
      ['Step 2 (50%): verify weights', 'verifyWeights'],
      ['Step 2 (50%): check alarms', 'checkAlarms'],
      ['Step 3 (100%): set weights', 'setWeights'],
      ['Step 3 (100%): verify weights', 'verifyWeights'],
      ['Step 3 (100%): check alarms', 'checkAlarms'],
      ['Finalize', 'finalize'],
      ['Roll back', 'rollback'],
    ]);
    for (const [, task] of tasks) {
      expect(task.Resource).toMatch(/^TOKEN:\{Fn::GetAtt:\[CdkBlueGreenRolloutHandler[0-9A-F]+,Arn\]\}$/);
    }
  });

  test('tasks retry the named throttling errors with backoff before failing', () => {
    const definition = definitionOf(stack);
    const setWeights = definition.States['Step 1 (10%): set weights'];
    expect(setWeights.Retry).toEqual(expect.arrayContaining([expect.objectContaining({
      ErrorEquals: ['AwsThrottled', 'AwsUnavailable', 'Lambda.TooManyRequestsException'], BackoffRate: 2, MaxAttempts: 5,
    })]));
    expect(setWeights.Parameters).toMatchObject({ action: 'setWeights', step: { index: 1, count: 3, percent: 10, polls: 30 } });
  });
});

describe('options', () => {
  test('user alarms are watched for both colors; disabled built-in conditions are left out of the alarm', () => {
    const { stack } = rolloutFixture((scope) => ({
      alarms: [cloudwatch.Alarm.fromAlarmName(scope, 'Orders', 'orders-errors')],
      builtInAlarms: { errorRate: { enabled: false }, responseTime: { enabled: false } },
      insufficientData: InsufficientDataPolicy.TREAT_AS_BREACH,
    }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    const service = definitionOf(stack).States.Lock.Parameters.service;
    expect(service.alarmNames.any).toEqual(['orders-errors']);
    expect(service.alarmNames.GREEN).toHaveLength(1);
    expect(service.insufficientData).toBe('BREACH');

    const alarm = builtInAlarm(template, 'GREEN');
    const expression = expressionOf(alarm);
    expect(expression).toContain('FILL(unhealthy, 0) >= 1');
    expect(expression).not.toMatch(/errors|requests|p99/);
    expect(alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.Id)).toEqual(['unhealthy']);
    expect(alarm.AlarmDescription).toContain('1 or more unhealthy targets');
    expect(alarm.AlarmDescription).not.toMatch(/5XX rate above|response time above/);
    expect(evaluateExpression(alarm, { requests: 1000, errors: 1000, p99: 60 })).toBe(0);
    expect(evaluateExpression(alarm, { unhealthy: 1 })).toBe(1);
  });

  test('with every built-in condition disabled there is no built-in alarm, only the user alarms', () => {
    const { stack, rollout } = rolloutFixture((scope) => ({
      alarms: [cloudwatch.Alarm.fromAlarmName(scope, 'Orders', 'orders-errors')],
      builtInAlarms: { errorRate: { enabled: false }, responseTime: { enabled: false }, unhealthyHosts: { enabled: false } },
    }));
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(rollout.builtInAlarms).toEqual({ BLUE: [], GREEN: [] });
    const service = definitionOf(stack).States.Lock.Parameters.service;
    expect(service.alarmNames).toEqual({ any: ['orders-errors'], BLUE: [], GREEN: [] });
  });

  test('custom thresholds reach the alarm expression and its description', () => {
    const { stack } = rolloutFixture({
      builtInAlarms: { errorRate: { thresholdPercent: 1, minimumRequests: 100 }, responseTime: { p99Threshold: Duration.millis(500) }, unhealthyHosts: { threshold: 2 } },
    });
    const alarm = builtInAlarm(Template.fromStack(stack), 'GREEN');
    expect(evaluateExpression(alarm, { requests: 99, errors: 50 })).toBe(0);
    expect(evaluateExpression(alarm, { requests: 100, errors: 1 })).toBe(0);
    expect(evaluateExpression(alarm, { requests: 100, errors: 2 })).toBe(1);
    expect(evaluateExpression(alarm, { p99: 0.5 })).toBe(0);
    expect(evaluateExpression(alarm, { p99: 0.51 })).toBe(1);
    expect(evaluateExpression(alarm, { unhealthy: 1 })).toBe(0);
    expect(evaluateExpression(alarm, { unhealthy: 2 })).toBe(1);
    expect(alarm.AlarmDescription).toContain('target 5XX rate above 1% (judged from 100 requests per minute)');
    expect(alarm.AlarmDescription).toContain('p99 target response time above 500 millis');
    expect(alarm.AlarmDescription).toContain('2 or more unhealthy targets');
  });

  test('an HTTP smoke test runs from a function in the VPC, retried for its attempts', () => {
    const { stack } = rolloutFixture((_scope, vpc) => ({
      smokeTest: SmokeTest.http({ path: '/health', attempts: 4, interval: Duration.seconds(3) }),
      smokeTestNetwork: { vpc, testListenerUrl: 'http://lb.example:8080' },
    }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('HTTP smoke test'),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
    const definition = definitionOf(stack);
    const smoke = definition.States['Smoke test'];
    expect(smoke.Parameters).toMatchObject({ baseUrl: 'http://lb.example:8080', check: { path: '/health', attempts: 4 }, 'color.$': '$$.Execution.Input.to' });
    expect(smoke.Retry).toEqual(expect.arrayContaining([{ ErrorEquals: ['SmokeTestFailed'], IntervalSeconds: 3, MaxAttempts: 3, BackoffRate: 1 }]));
    // Health gate, then smoke test, then the first shift.
    expect(definition.States['Health gate: ready?'].Choices[0].Next).toBe('Smoke test');
    expect(smoke.Next).toBe('Step 1 (10%): set weights');
  });

  test('a Lambda smoke test is invoked by the rollout handler, which is allowed to invoke exactly it', () => {
    const { stack } = rolloutFixture((scope) => ({
      smokeTest: SmokeTest.lambda(lambda.Function.fromFunctionArn(scope, 'Check', 'arn:aws:lambda:us-east-1:111111111111:function:check')),
    }));
    const smoke = definitionOf(stack).States['Smoke test'];
    expect(smoke.Parameters).toMatchObject({ action: 'runSmokeTest', smokeFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:check' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'lambda:InvokeFunction',
        Resource: Match.arrayWith(['arn:aws:lambda:us-east-1:111111111111:function:check']),
      })]) },
    });
  });
});

describe('validation', () => {
  test.each([
    [{ pollInterval: Duration.seconds(0) }, /pollInterval must be whole seconds from 1 to 60, got 0 seconds/],
    [{ pollInterval: Duration.millis(2500) }, /pollInterval must be whole seconds from 1 to 60/],
    [{ healthGateTimeout: Duration.hours(2) }, /healthGateTimeout must be whole seconds from 0 to 3600/],
    [{ serviceName: 'my service' }, /serviceName must be 1-80 letters, digits/],
    [{ plan: Rollout.steps([100], { bake: Duration.hours(3) }) }, /step 1 bakes 10800 s with a 10 s pollInterval, which is 1080 alarm checks; at most 1000 fit in one step. Increase pollInterval to at least 11 s/],
    [{ plan: Rollout.linear(10, { bake: Duration.hours(1) }) }, /the plan bakes 36000 s in total with a 10 s pollInterval, which is 3600 alarm checks.*Increase pollInterval to at least 15 s/],
    [{ builtInAlarms: { errorRate: { thresholdPercent: 0 } } }, /builtInAlarms.errorRate.thresholdPercent must be greater than 0 and at most 100, got 0/],
    [{ builtInAlarms: { unhealthyHosts: { threshold: 0 } } }, /builtInAlarms.unhealthyHosts.threshold must be a whole number of at least 1, got 0/],
    [{ builtInAlarms: { responseTime: { p99Threshold: Duration.millis(5) } } }, /p99Threshold must be from 10 ms to 10 minutes/],
    [{ smokeTest: SmokeTest.http({ path: '/h' }) }, /SmokeTest.http needs the network/],
  ])('%#: rejects with a message naming the prop', (props, message) => {
    expect(() => rolloutFixture(props as any)).toThrow(message);
  });

  test('a color needing zero healthy targets is refused', () => {
    expect(() => rolloutFixture((scope, vpc) => {
      const lb = new elbv2.ApplicationLoadBalancer(scope, 'Lb2', { vpc });
      const color = colorOf(scope, 'Other', vpc, lb).color;
      return { green: { ...color, requiredHealthyTargets: 0 } };
    })).toThrow(/green.requiredHealthyTargets must be a whole number of at least 1, got 0/);
  });
});

test('a target group with stickiness gets a synth warning', () => {
  const { stack } = rolloutFixture({}, { stickiness: true });
  Annotations.fromStack(stack).hasWarning('/Stack/WebRollout', Match.stringLikeRegexp('has stickiness enabled'));
  const clean = rolloutFixture().stack;
  expect(Annotations.fromStack(clean).findWarning('*', Match.stringLikeRegexp('stickiness'))).toHaveLength(0);
});

test('the worst-case duration adds health gate, bakes rounded to polls, API time and rollback', () => {
  const { rollout } = rolloutFixture({ healthGateTimeout: Duration.minutes(5), plan: Rollout.steps([50, 100], { bake: Duration.seconds(95) }) });
  // 300 gate + 30 smoke slack + 2 x 100 s bakes (10 polls of 10 s) + 2 x 30 s per step + 60 s rollback
  expect(rollout.maxDuration.toSeconds()).toBe(300 + 30 + 200 + 60 + 60);
});

/** The built-in alarm of `color` (its description names the color). */
function builtInAlarm(template: Template, color: 'BLUE' | 'GREEN'): any {
  const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))
    .map((r) => r.Properties)
    .filter((p) => p.AlarmDescription.includes(` ${color}: `));
  expect(alarms).toHaveLength(1);
  return alarms[0];
}

function expressionOf(alarm: any): string {
  const expressions = alarm.Metrics.filter((m: any) => m.Expression);
  expect(expressions).toEqual([expect.objectContaining({ ReturnData: true })]);
  return expressions[0].Expression;
}

/**
 * Evaluates the alarm's metric-math expression for one minute, as CloudWatch would: a metric
 * without a datapoint is `undefined` (FILLed with 0). Covers the subset the library writes (IF,
 * FILL, AND, OR, comparisons, *); any other identifier throws, so an unexpected expression fails.
 */
function evaluateExpression(alarm: any, values: Record<string, number>): number {
  const js = expressionOf(alarm)
    .replace(/^IF\((.*), 1, 0\)$/, '(($1) ? 1 : 0)')
    .replace(/FILL\((\w+), 0\)/g, (_m, id: string) => `(v[${JSON.stringify(id)}] ?? 0)`)
    .replace(/\bAND\b/g, '&&')
    .replace(/\bOR\b/g, '||');
  expect(js).toMatch(/^[\s\d.()?:&|<>=*v[\]"a-z0-9]+$/);
  return new Function('v', `return ${js};`)(values);
}

import { parseTrafficRuleProperties } from '../../../lib/handlers/traffic-rule/properties';

const raw = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:1:function:p',
  ServiceName: 'App/Web',
  ListenerArn: 'arn:listener/main',
  Priority: '10',
  Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
  TestListenerArn: 'arn:listener/test',
  TestPriority: '20',
  TestConditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
  BlueTargetGroupArn: 'arn:tg/blue',
  GreenTargetGroupArn: 'arn:tg/green',
  LiveColor: 'GREEN',
};

test('parses the string values CloudFormation sends', () => {
  expect(parseTrafficRuleProperties(raw)).toEqual({
    serviceName: 'App/Web',
    listenerArn: 'arn:listener/main',
    priority: 10,
    conditions: raw.Conditions,
    testListenerArn: 'arn:listener/test',
    testPriority: 20,
    testConditions: raw.TestConditions,
    targetGroups: { BLUE: 'arn:tg/blue', GREEN: 'arn:tg/green' },
    liveColor: 'GREEN',
  });
});

test('names the service and the resource type in errors', () => {
  expect(() => parseTrafficRuleProperties({ ...raw, TestPriority: '60000' }))
    .toThrow('App/Web (Custom::BlueGreenTraffic): property TestPriority must be a whole number from 1 to 50000, got "60000"');
  expect(() => parseTrafficRuleProperties(undefined)).toThrow('Custom::BlueGreenTraffic: property ServiceName must be a non-empty string');
});

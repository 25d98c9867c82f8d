// How the rehearsal turns a synthesized template into concrete values: every Ref, Fn::GetAtt,
// Fn::Join and Fn::Sub resolves to a deterministic fake identifier derived from the logical id,
// so a state machine definition can be parsed and its Lambda ARNs mapped back to functions.
import { RehearsalTemplate } from '../../lib/rehearsal/template';

const template = new RehearsalTemplate({
  Parameters: { Stage: { Type: 'String', Default: 'prod' } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
  Resources: {
    Handler: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
    Green: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80 } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'rollouts' } },
    Errors: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
    Traffic: { Type: 'Custom::BlueGreenTraffic', Properties: {} },
  },
}, { stackName: 'Shop', constructPaths: new Map([['Errors', 'Shop/Web/GreenErrors']]) });

describe('intrinsic functions', () => {
  test('Fn::GetAtt of a function ARN is a Lambda ARN that names the logical id', () => {
    expect(template.resolve({ 'Fn::GetAtt': ['Handler', 'Arn'] }))
      .toBe('arn:aws:lambda:us-east-1:123456789012:function:Handler');
  });

  test('Ref follows each type: a name for tables and alarms, an ARN for target groups', () => {
    expect(template.ref('Table')).toBe('rollouts');
    expect(template.ref('Errors')).toBe('Errors');
    expect(template.ref('Green')).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/Green\/[0-9a-f]{16}$/);
  });

  test('identifiers are deterministic: the same template resolves the same way twice', () => {
    const again = new RehearsalTemplate(template.template, { stackName: 'Shop' });
    expect(again.ref('Green')).toBe(template.ref('Green'));
  });

  test('a state machine DefinitionString built with Fn::Join resolves to JSON with the real ARN', () => {
    const definition = template.resolveString({
      'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Handler', 'Arn'] }, '","End":true}}}']],
    }, 'definition');
    expect(JSON.parse(definition).States.A.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:function:Handler');
  });

  test('Fn::Sub substitutes pseudo parameters, references, attributes and its own variables; ${!x} stays literal', () => {
    expect(template.resolve({ 'Fn::Sub': ['${AWS::Region}/${Table}/${Handler.Arn}/${Extra}/${!Literal}', { Extra: { Ref: 'AWS::StackName' } }] }))
      .toBe('us-east-1/rollouts/arn:aws:lambda:us-east-1:123456789012:function:Handler/Shop/${Literal}');
  });

  test('Fn::If evaluates the template conditions against parameter defaults; AWS::NoValue removes the property', () => {
    expect(template.resolve({ A: { 'Fn::If': ['IsProd', 'yes', 'no'] }, B: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 1] } }))
      .toEqual({ A: 'yes' });
  });

  test('Fn::Select and Fn::Split', () => {
    expect(template.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
  });

  test('Fn::ImportValue cannot be known in a one-stack rehearsal and says what to do', () => {
    expect(() => template.resolve({ 'Fn::ImportValue': 'OtherStack:Output' })).toThrow(/another stack's output.*plain string/);
  });

  test('a custom resource that ran returns its own physical id and Data; a missing attribute is an error naming what it returned', () => {
    const t = new RehearsalTemplate(template.template);
    t.recordCustomResourceOutput('Traffic', { physicalResourceId: 'arn:rule', data: { RuleArn: 'arn:rule', TestRuleArn: 'arn:test' } });
    expect(t.ref('Traffic')).toBe('arn:rule');
    expect(t.resolve({ 'Fn::GetAtt': ['Traffic', 'TestRuleArn'] })).toBe('arn:test');
    expect(() => t.getAtt('Traffic', 'Nope')).toThrow(/returned: RuleArn, TestRuleArn/);
  });
});

describe('finding resources the way a scenario names them', () => {
  test('by logical id, construct path, a unique part of the path, or physical name', () => {
    expect(template.findResource('AWS::CloudWatch::Alarm', 'Errors')).toBe('Errors');
    expect(template.findResource('AWS::CloudWatch::Alarm', 'Shop/Web/GreenErrors')).toBe('Errors');
    expect(template.findResource('AWS::CloudWatch::Alarm', 'GreenErr')).toBe('Errors');
    expect(template.findResource('AWS::DynamoDB::Table', 'rollouts')).toBe('Table');
  });

  test('an unknown name lists the candidates', () => {
    expect(() => template.findResource('AWS::CloudWatch::Alarm', 'Latency'))
      .toThrow(/'Latency' matches no AWS::CloudWatch::Alarm resources.*Candidates: Shop\/Web\/GreenErrors \(Errors\)/);
  });
});

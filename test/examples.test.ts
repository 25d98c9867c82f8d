import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addExampleStacks } from '../examples/app';
import { awsSolutionsFindings } from './support/nag';

// The examples are what users copy: they must synthesize and pass cdk-nag's AwsSolutions pack with
// every finding either fixed or acknowledged with a written reason.
describe('examples', () => {
  test('pass cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const findings = awsSolutionsFindings((app) => addExampleStacks(app));
    expect(findings.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
  });

  test('every example stack contains its services and one copy of each shared handler', () => {
    const app = new App();
    addExampleStacks(app);
    const expectedServices: Record<string, number> = {
      BlueGreenBasic: 1,
      BlueGreenHttpsListener: 1,
      BlueGreenSeveralServices: 3,
    };
    for (const [stackName, services] of Object.entries(expectedServices)) {
      const template = Template.fromStack(app.node.findChild(stackName) as any);
      template.resourceCountIs('Custom::BlueGreenTraffic', services);
      template.resourceCountIs('Custom::BlueGreenLiveFleetGuard', services);
      template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', services * 2);
      const handlers = Object.values(template.findResources('AWS::Lambda::Function'))
        .map((r: any) => r.Properties.Description as string)
        .filter((d) => d?.startsWith('cdk-blue-green:'));
      expect(new Set(handlers).size).toBe(handlers.length);
    }
  });
});

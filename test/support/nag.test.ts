import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { awsSolutionsFindings } from './nag';

// The helper itself must see findings, or every "zero findings" test built on it would be vacuous.
test('reports unacknowledged AwsSolutions findings and omits acknowledged ones', () => {
  const findings = awsSolutionsFindings((app) => {
    const stack = new Stack(app, 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'probe bucket: no access logs needed' });
  });
  const rules = findings.map((f) => f.rule);
  expect(rules).toContain('AwsSolutions-S10');
  expect(rules).not.toContain('AwsSolutions-S1');
  expect(findings.find((f) => f.rule === 'AwsSolutions-S10')?.path).toBe('Probe/Bucket/Resource');
});

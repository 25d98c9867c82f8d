import { Duration } from 'aws-cdk-lib';
import { Color } from '../../lib/color';
import { RolloutRelease } from '../../lib/rollout/rollout-release';
import { SmokeTest } from '../../lib/rollout/smoke-test';
import { awsSolutionsFindings } from '../support/nag';
import { RULE_ARN, rolloutFixture } from './rollout-fixture';

test('the rollout engine has no unacknowledged cdk-nag AwsSolutions findings', () => {
  const findings = awsSolutionsFindings((app) => {
    const { stack, rollout } = rolloutFixture((_scope, vpc) => ({
      smokeTest: SmokeTest.http({ path: '/health', timeout: Duration.seconds(3) }),
      smokeTestNetwork: { vpc, testListenerUrl: 'http://lb.example:8080' },
    }), { app });
    new RolloutRelease(stack, 'Release', { rollout, serviceName: 'web', ruleArn: RULE_ARN, live: Color.GREEN });
  });
  // The fixture's own VPC and load balancer are not part of the rollout engine.
  const ours = findings.filter((f) => !/^Stack\/(Vpc|Lb|BlueTg|GreenTg)\b/.test(f.path));
  expect(ours.map((f) => `${f.rule} ${f.path}`)).toEqual([]);
});

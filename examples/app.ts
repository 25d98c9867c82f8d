import { App } from 'aws-cdk-lib';
import { BasicServiceStack } from './basic-service';
import { HttpsListenerServiceStack } from './https-listener-service';
import { SeveralServicesStack } from './several-services';

/** Placeholder certificate ARN: synthesis needs no real certificate; a deploy does. */
export const EXAMPLE_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000';

/** Adds every example stack to `app`. The tests run cdk-nag over exactly these stacks. */
export function addExampleStacks(app: App, region = 'us-east-1'): void {
  // Load balancer access logs need a known region (the log-delivery account differs per region).
  const env = { region };
  new BasicServiceStack(app, 'BlueGreenBasic', { env });
  new HttpsListenerServiceStack(app, 'BlueGreenHttpsListener', { env, certificateArn: EXAMPLE_CERTIFICATE_ARN });
  new SeveralServicesStack(app, 'BlueGreenSeveralServices', { env, certificateArn: EXAMPLE_CERTIFICATE_ARN });
}

if (require.main === module) {
  const app = new App();
  addExampleStacks(app, process.env.CDK_DEFAULT_REGION ?? 'us-east-1');
  app.synth();
}

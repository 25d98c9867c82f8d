import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BlueGreenService, Color } from '../lib';
import { exampleImage, exampleVpc, releaseUserData } from './release';

/**
 * The smallest complete service: a new VPC, an internet-facing load balancer, blue live with
 * version 1.0 and green idle with version 1.1, ready to be smoke-tested through the test listener.
 */
export class BasicServiceStack extends Stack {
  public readonly service: BlueGreenService;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = exampleVpc(this);
    const machineImage = exampleImage(this);

    this.service = new BlueGreenService(this, 'Web', {
      vpc,
      blue: { machineImage, userData: releaseUserData('1.0'), capacity: { min: 2, max: 4 } },
      green: { machineImage, userData: releaseUserData('1.1'), capacity: { min: 2, max: 4 } },
      live: Color.BLUE,
    });

    // A public web service on purpose: its listener is open to the internet (the test listener is not).
    for (const sg of this.service.loadBalancer!.connections.securityGroups) {
      Validations.of(sg).acknowledge({ id: 'AwsSolutions-EC23', reason: 'Public HTTP service: port 80 is open to the internet on purpose.' });
    }
    Validations.of(this.service.loadBalancer!).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'The smallest example keeps no access logs; pass `accessLogBucket` in production (see the HTTPS example).',
    });
  }
}

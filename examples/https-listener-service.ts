import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { BlueGreenService, Color } from '../lib';
import { exampleImage, exampleVpc, releaseUserData } from './release';
import { sharedLoadBalancer } from './shared-load-balancer';

/** Props of {@link HttpsListenerServiceStack}. */
export interface HttpsListenerServiceStackProps extends StackProps {
  /** ARN of the ACM certificate for shop.example.com. */
  readonly certificateArn: string;
}

/**
 * A service joining an existing HTTPS listener by host name. Green is live; blue idles with the
 * previous version, ready for an instant rollback. Testers in the office reach the idle color on
 * port 9000.
 */
export class HttpsListenerServiceStack extends Stack {
  public readonly service: BlueGreenService;

  constructor(scope: Construct, id: string, props: HttpsListenerServiceStackProps) {
    super(scope, id, props);
    const vpc = exampleVpc(this);
    const { https } = sharedLoadBalancer(this, vpc, props.certificateArn);
    const machineImage = exampleImage(this);

    this.service = new BlueGreenService(this, 'Shop', {
      vpc,
      listener: https,
      listenerRulePriority: 10,
      listenerConditions: [elbv2.ListenerCondition.hostHeaders(['shop.example.com'])],
      testListenerPort: 9000,
      testListenerPeers: [ec2.Peer.ipv4('203.0.113.0/24')],
      blue: { machineImage, userData: releaseUserData('2.3'), capacity: { min: 3, max: 6 } },
      green: { machineImage, userData: releaseUserData('2.4'), capacity: { min: 3, max: 6 } },
      live: Color.GREEN,
    });
  }
}

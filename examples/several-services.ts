import { Stack, StackProps } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { BlueGreenService, Color } from '../lib';
import { exampleImage, exampleVpc, releaseUserData } from './release';
import { sharedLoadBalancer } from './shared-load-balancer';

/** Props of {@link SeveralServicesStack}. */
export interface SeveralServicesStackProps extends StackProps {
  /** ARN of a certificate covering every host name below. */
  readonly certificateArn: string;
}

/**
 * Several services on one load balancer, each with its own host name, its own pair of fleets and
 * its own test listener port. The stack holds one copy of each library Lambda, shared by all.
 */
export class SeveralServicesStack extends Stack {
  public readonly services: BlueGreenService[];

  constructor(scope: Construct, id: string, props: SeveralServicesStackProps) {
    super(scope, id, props);
    const vpc = exampleVpc(this);
    const { https } = sharedLoadBalancer(this, vpc, props.certificateArn);
    const machineImage = exampleImage(this);

    const services = [
      { name: 'Catalog', host: 'catalog.example.com', live: Color.BLUE },
      { name: 'Checkout', host: 'checkout.example.com', live: Color.GREEN },
      { name: 'Accounts', host: 'accounts.example.com', live: Color.BLUE },
    ];
    this.services = services.map((svc, i) => new BlueGreenService(this, svc.name, {
      vpc,
      listener: https,
      listenerRulePriority: 100 + i,
      listenerConditions: [elbv2.ListenerCondition.hostHeaders([svc.host])],
      testListenerPort: 9001 + i,
      blue: { machineImage, userData: releaseUserData(`${svc.name.toLowerCase()}-1`) },
      green: { machineImage, userData: releaseUserData(`${svc.name.toLowerCase()}-2`) },
      live: svc.live,
    }));
  }
}

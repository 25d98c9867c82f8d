import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** A load balancer the platform team owns, with an HTTPS listener that services join by host name. */
export interface SharedLoadBalancer {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly https: elbv2.ApplicationListener;
}

/**
 * An internet-facing ALB with access logs, HTTPS on 443 (the certificate is looked up by ARN),
 * HTTP redirected to HTTPS, and a 404 for host names no service claims.
 */
export function sharedLoadBalancer(scope: Construct, vpc: ec2.IVpc, certificateArn: string): SharedLoadBalancer {
  const logs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(logs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket receives the load balancer access logs; logging access to the log bucket itself would recurse.',
  });

  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc,
    internetFacing: true,
    dropInvalidHeaderFields: true,
  });
  loadBalancer.logAccessLogs(logs, 'alb');

  const https = loadBalancer.addListener('Https', {
    port: 443,
    certificates: [acm.Certificate.fromCertificateArn(scope, 'Certificate', certificateArn)],
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'Unknown host' }),
  });
  loadBalancer.addListener('HttpRedirect', {
    port: 80,
    defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });
  for (const sg of loadBalancer.connections.securityGroups) {
    Validations.of(sg).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'A public web site: ports 80 (redirect) and 443 are open to the internet on purpose; the test listeners are not.',
    });
  }
  return { loadBalancer, https };
}

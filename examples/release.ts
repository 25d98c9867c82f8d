import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * User data that installs one version of the example application: a static page served by nginx,
 * with /health for the load balancer. Real services download their build here.
 */
export function releaseUserData(version: string): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'dnf install -y nginx',
    'mkdir -p /usr/share/nginx/html',
    `echo 'version ${version}' > /usr/share/nginx/html/index.html`,
    "echo ok > /usr/share/nginx/html/health",
    'systemctl enable --now nginx',
  );
  return userData;
}

/** Placeholder AMI id: deploy with `-c amiId=<an Amazon Linux 2023 AMI in your region>`. */
export const PLACEHOLDER_AMI_ID = 'ami-0123456789abcdef0';

/**
 * The image every example fleet boots from, pinned to one AMI id. A release pins its image: an
 * image resolved at deploy time (`latestAmazonLinux2023()`) changes whenever AWS publishes a new
 * AMI, and the live-fleet guard then refuses the deploy because the live color would change.
 * Look the current id up with
 * `aws ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`.
 */
export function exampleImage(scope: Construct): ec2.IMachineImage {
  const amiId = scope.node.tryGetContext('amiId') ?? PLACEHOLDER_AMI_ID;
  return ec2.MachineImage.genericLinux({ [Stack.of(scope).region]: amiId });
}

/** A two-AZ VPC with flow logs, as a production VPC would have. */
export function exampleVpc(scope: Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', { maxAzs: 2, natGateways: 1 });
  vpc.addFlowLog('FlowLog');
  return vpc;
}

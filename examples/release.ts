import * as ec2 from 'aws-cdk-lib/aws-ec2';

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

/** The image every example fleet boots from. */
export const exampleImage = (): ec2.IMachineImage => ec2.MachineImage.latestAmazonLinux2023();

/** A two-AZ VPC with flow logs, as a production VPC would have. */
export function exampleVpc(scope: import('constructs').Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', { maxAzs: 2, natGateways: 1 });
  vpc.addFlowLog('FlowLog');
  return vpc;
}

import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * What a user writes without this library for the same shape: one ALB listener and, per service,
 * two launch templates + ASGs + target groups behind a weighted rule. It is the baseline the
 * synthesis benchmark compares against (no guard, no runtime-owned weights, no test listener).
 */
export function addBareServices(stack: Stack, vpc: ec2.IVpc, listener: elbv2.ApplicationListener, count: number): void {
  const machineImage = ec2.MachineImage.latestAmazonLinux2023();
  for (let i = 0; i < count; i++) {
    const securityGroup = new ec2.SecurityGroup(stack, `Svc${i}Sg`, { vpc });
    const groups = ['Blue', 'Green'].map((color) => {
      const launchTemplate = new ec2.LaunchTemplate(stack, `Svc${i}${color}Lt`, {
        machineImage,
        instanceType: new ec2.InstanceType('t3.small'),
        requireImdsv2: true,
        securityGroup,
      });
      const asg = new autoscaling.AutoScalingGroup(stack, `Svc${i}${color}Asg`, {
        vpc,
        launchTemplate,
        minCapacity: 2,
        maxCapacity: 4,
      });
      const tg = new elbv2.ApplicationTargetGroup(stack, `Svc${i}${color}Tg`, {
        vpc,
        port: 80,
        targets: [asg],
      });
      return tg;
    });
    listener.addAction(`Svc${i}`, {
      priority: i + 1,
      conditions: [elbv2.ListenerCondition.hostHeaders([`svc${i}.example.com`])],
      action: elbv2.ListenerAction.weightedForward([
        { targetGroup: groups[0], weight: 100 },
        { targetGroup: groups[1], weight: 0 },
      ]),
    });
  }
}

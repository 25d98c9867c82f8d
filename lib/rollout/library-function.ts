import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeHandlerRole } from '../private/nag-acknowledgements';
import { allow, handlerAssetPath, HANDLER_RUNTIME } from '../private/handler-code';

/** Options of {@link libraryFunction}. */
export interface LibraryFunctionOptions {
  /** Bundled handler folder under lib/handlers. */
  readonly bundle: string;
  /** Exported function name in the bundle (e.g. `onEvent`). */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** Runs the function in these subnets. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A library Lambda function for a bundle entry other than `index.handler` (sharedHandler covers
 * that case), built the same way: newest Node.js on ARM64, JSON logs to its own log group, X-Ray,
 * and a role without AWS-managed policies that may write only to that log group.
 */
export function libraryFunction(scope: Construct, id: string, options: LibraryFunctionOptions): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.THREE_MONTHS });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `cdk-blue-green ${options.bundle} ${options.entry}`,
  });
  role.addToPolicy(allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]));
  if (options.vpc) {
    // What AWSLambdaVPCAccessExecutionRole grants, without the managed policy: ENI management has
    // no resource-level permissions.
    role.addToPolicy(allow([
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ], ['*']));
  }
  acknowledgeHandlerRole(role);
  return new lambda.Function(scope, id, {
    role,
    description: `cdk-blue-green: ${options.description}`,
    runtime: HANDLER_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: `index.${options.entry}`,
    code: lambda.Code.fromAsset(handlerAssetPath(options.bundle)),
    timeout: options.timeout,
    memorySize: 256,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: options.securityGroups,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.ACTIVE,
  });
}

import { ArnFormat, CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';

/** The ARN pattern of every execution of `stateMachine` (execution names are chosen per run). */
export function executionsOf(stateMachine: sfn.StateMachine): string {
  return Stack.of(stateMachine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** A statement allowing DescribeExecution on the executions of `stateMachine` only. */
export function describeExecutionsStatement(stateMachine: sfn.StateMachine): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsOf(stateMachine)] });
}

/** Acknowledges the cdk-nag finding the execution wildcard raises on `scope`. */
export function acknowledgeExecutionWildcard(scope: IConstruct, stateMachine: sfn.StateMachine): void {
  const stack = Stack.of(stateMachine);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const machineId = stack.resolve(stack.getLogicalId(stateMachine.node.defaultChild as CfnElement));
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:<${machineId}.Name>:*]`,
    reason: "Execution ARNs are generated per run; the wildcard covers only the executions of this service's rollout state machine.",
  });
}

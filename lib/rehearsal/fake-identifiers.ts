// Deterministic stand-ins for the names and ARNs CloudFormation would assign at deploy time. The
// same logical id always yields the same identifier, so a rehearsal's output is reproducible and a
// person can read which template resource a value came from.
import { createHash } from 'node:crypto';

export const REHEARSAL_ACCOUNT = '123456789012';
export const REHEARSAL_REGION = 'us-east-1';
export const REHEARSAL_PARTITION = 'aws';

/** A stable 16-hex-digit suffix derived from a seed (ELBv2 ARNs end in one). */
export function stableHex(seed: string, length = 16): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** The ARN prefix of a service in the rehearsal account and region. */
export function arnPrefix(service: string, region: string = REHEARSAL_REGION): string {
  return `arn:${REHEARSAL_PARTITION}:${service}:${region}:${REHEARSAL_ACCOUNT}`;
}

/** ELBv2 names are at most 32 characters. */
function elbName(logicalId: string): string {
  return logicalId.slice(0, 32);
}

/** The value `Ref` returns for a resource, by type (as documented for each CloudFormation type). */
export function refValue(logicalId: string, type: string, properties: Record<string, unknown>): string {
  const explicitName = (key: string): string | undefined => {
    const value = properties[key];
    return typeof value === 'string' ? value : undefined;
  };
  switch (type) {
    case 'AWS::Lambda::Function':
      return explicitName('FunctionName') ?? logicalId;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return `${arnPrefix('elasticloadbalancing')}:loadbalancer/app/${elbName(logicalId)}/${stableHex(logicalId)}`;
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      return `${arnPrefix('elasticloadbalancing')}:targetgroup/${elbName(explicitName('Name') ?? logicalId)}/${stableHex(logicalId)}`;
    case 'AWS::ElasticLoadBalancingV2::Listener':
      // The real ARN embeds the load balancer's name and id; a stable fake is enough for the model.
      return `${arnPrefix('elasticloadbalancing')}:listener/app/${elbName(logicalId)}/${stableHex(`lb:${logicalId}`)}/${stableHex(logicalId)}`;
    case 'AWS::ElasticLoadBalancingV2::ListenerRule':
      return `${arnPrefix('elasticloadbalancing')}:listener-rule/app/${elbName(logicalId)}/${stableHex(`lb:${logicalId}`)}/${stableHex(`l:${logicalId}`)}/${stableHex(logicalId)}`;
    case 'AWS::StepFunctions::StateMachine':
      return `${arnPrefix('states')}:stateMachine:${explicitName('StateMachineName') ?? logicalId}`;
    case 'AWS::SNS::Topic':
      return `${arnPrefix('sns')}:${explicitName('TopicName') ?? logicalId}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${REHEARSAL_REGION}.amazonaws.com/${REHEARSAL_ACCOUNT}/${explicitName('QueueName') ?? logicalId}`;
    case 'AWS::DynamoDB::Table':
      return explicitName('TableName') ?? logicalId;
    case 'AWS::AutoScaling::AutoScalingGroup':
      return explicitName('AutoScalingGroupName') ?? logicalId;
    case 'AWS::CloudWatch::Alarm':
      return explicitName('AlarmName') ?? logicalId;
    case 'AWS::CloudWatch::CompositeAlarm':
      return explicitName('AlarmName') ?? logicalId;
    case 'AWS::Events::Rule':
      return explicitName('Name') ?? logicalId;
    case 'AWS::SSM::Parameter':
      return explicitName('Name') ?? logicalId;
    case 'AWS::EC2::SecurityGroup':
      return `sg-${stableHex(logicalId, 17)}`;
    case 'AWS::EC2::VPC':
      return `vpc-${stableHex(logicalId, 17)}`;
    case 'AWS::EC2::Subnet':
      return `subnet-${stableHex(logicalId, 17)}`;
    case 'AWS::EC2::LaunchTemplate':
      return `lt-${stableHex(logicalId, 17)}`;
    default:
      // IAM roles, log groups, custom resources without a run handler, and everything else: the
      // logical id is a readable, unique stand-in for the name or physical id.
      return explicitName('RoleName') ?? explicitName('LogGroupName') ?? logicalId;
  }
}

/** The value `Fn::GetAtt` returns for a resource attribute. */
export function attributeValue(logicalId: string, type: string, attribute: string, properties: Record<string, unknown>): string {
  const ref = refValue(logicalId, type, properties);
  switch (`${type}.${attribute}`) {
    case 'AWS::Lambda::Function.Arn':
      return `${arnPrefix('lambda')}:function:${ref}`;
    case 'AWS::IAM::Role.Arn':
      return `arn:${REHEARSAL_PARTITION}:iam::${REHEARSAL_ACCOUNT}:role/${ref}`;
    case 'AWS::DynamoDB::Table.Arn':
      return `${arnPrefix('dynamodb')}:table/${ref}`;
    case 'AWS::CloudWatch::Alarm.Arn':
    case 'AWS::CloudWatch::CompositeAlarm.Arn':
      return `${arnPrefix('cloudwatch')}:alarm:${ref}`;
    case 'AWS::StepFunctions::StateMachine.Arn':
      return ref;
    case 'AWS::StepFunctions::StateMachine.Name':
      return ref.split(':').pop() as string;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerFullName':
      return ref.split(':loadbalancer/')[1];
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerName':
      return ref.split('/')[2];
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName':
      return `${ref.split('/')[2]}-${stableHex(logicalId, 10)}.${REHEARSAL_REGION}.elb.amazonaws.com`;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerArn':
    case 'AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupArn':
    case 'AWS::ElasticLoadBalancingV2::Listener.ListenerArn':
    case 'AWS::ElasticLoadBalancingV2::ListenerRule.RuleArn':
    case 'AWS::SNS::Topic.TopicArn':
      return ref;
    case 'AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupFullName':
      return ref.split(':')[5];
    case 'AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupName':
      return ref.split('/')[1];
    case 'AWS::EC2::SecurityGroup.GroupId':
      return ref;
    case 'AWS::Logs::LogGroup.Arn':
      return `${arnPrefix('logs')}:log-group:${ref}:*`;
    case 'AWS::SQS::Queue.Arn':
      return `${arnPrefix('sqs')}:${ref.split('/').pop()}`;
    default:
      if (attribute === 'Arn') {
        return `${arnPrefix(type.split('::')[1]?.toLowerCase() ?? 'unknown')}:${ref}`;
      }
      return `${logicalId}.${attribute}`;
  }
}

import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeProviderFramework } from './nag-acknowledgements';

/**
 * One cr.Provider per handler per stack, shared by every service in it (like the handler from
 * `sharedHandler`), so ten services cost one provider framework function, not ten.
 */
export function sharedProvider(scope: Construct, name: string, onEventHandler: lambda.IFunction): cr.Provider {
  const stack = Stack.of(scope);
  const id = `CdkBlueGreen${name}Provider`;
  const existing = stack.node.tryFindChild(id);
  if (existing) return existing as cr.Provider;
  const provider = new cr.Provider(stack, id, {
    onEventHandler,
    logGroup: new logs.LogGroup(stack, `${id}Logs`, { retention: logs.RetentionDays.THREE_MONTHS }),
  });
  acknowledgeProviderFramework(provider, [onEventHandler]);
  return provider;
}

import { Fn, Token } from 'aws-cdk-lib';

/**
 * ARN pattern of every rule on a listener:
 * `arn:...:listener/app/<lb>/<lb-id>/<listener-id>` -> `arn:...:listener-rule/app/<lb>/<lb-id>/<listener-id>/*`.
 * Lets a policy allow rule changes on this listener only.
 */
export function listenerRulesArnPattern(listenerArn: string): string {
  if (!Token.isUnresolved(listenerArn)) {
    return `${listenerArn.replace(':listener/', ':listener-rule/')}/*`;
  }
  return Fn.join('', [Fn.join(':listener-rule/', Fn.split(':listener/', listenerArn)), '/*']);
}

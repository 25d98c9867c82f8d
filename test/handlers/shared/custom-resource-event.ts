/** The fields CloudFormation puts on every custom-resource event, for a resource of `resourceType`. */
export function eventEnvelope(logicalResourceId: string, resourceType: string) {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ResponseURL: 'https://example.com/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/App/1',
    RequestId: 'request-1',
    LogicalResourceId: logicalResourceId,
    ResourceType: resourceType,
  };
}

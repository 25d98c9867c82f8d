import { SqlComment } from './parsed-migration';
import { findRule, knownRuleIds } from './rules';
import { SourcePosition } from './source-text';

/** `-- cdk-blue-green: allow <rule>[, <rule>]: <reason>` or `allow-file ...`. */
export interface Suppression {
  readonly scope: 'statement' | 'file';
  readonly rules: readonly string[];
  readonly reason: string;
  readonly position: SourcePosition;
}

/** A comment that addresses this tool but cannot be understood. */
export interface SuppressionProblem {
  readonly message: string;
  readonly position: SourcePosition;
}

const MARKER = /^cdk-blue-green\s*:/i;
const DIRECTIVE = /^cdk-blue-green\s*:\s*(allow-file|allow)\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*(?::\s*([\s\S]*))?$/i;
export const SUPPRESSION_SYNTAX = '-- cdk-blue-green: allow <rule-id>[, <rule-id>]: <reason> '
  + '(or allow-file to cover the whole file)';

/** Reads the suppression in a comment; `undefined` when the comment is not addressed to this tool. */
export function readSuppression(comment: SqlComment): Suppression | SuppressionProblem | undefined {
  const body = commentBody(comment.text);
  if (!MARKER.test(body)) return undefined;
  const match = DIRECTIVE.exec(body);
  if (!match) {
    return { message: `cannot read "${body}"; write ${SUPPRESSION_SYNTAX}`, position: comment.position };
  }
  const rules = match[2].split(',').map((rule) => rule.trim().toLowerCase());
  const unknown = rules.filter((rule) => !findRule(rule));
  if (unknown.length > 0) {
    return {
      message: `unknown rule id ${unknown.map((rule) => `"${rule}"`).join(', ')} in suppression; known rule ids: ${knownRuleIds().join(', ')}`,
      position: comment.position,
    };
  }
  const reason = (match[3] ?? '').trim();
  if (reason === '') {
    return {
      message: `suppression of ${rules.join(', ')} has no reason; a suppression must say why the statement is safe here: ${SUPPRESSION_SYNTAX}`,
      position: comment.position,
    };
  }
  return { scope: match[1].toLowerCase() === 'allow-file' ? 'file' : 'statement', rules, reason, position: comment.position };
}

export function isSuppression(value: Suppression | SuppressionProblem): value is Suppression {
  return 'rules' in value;
}

function commentBody(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('--')) return trimmed.slice(2).trim();
  if (trimmed.startsWith('/*')) return trimmed.replace(/^\/\*+/, '').replace(/\*+\/$/, '').replace(/\s+/g, ' ').trim();
  return trimmed;
}

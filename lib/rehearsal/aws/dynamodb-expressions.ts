// DynamoDB condition, key-condition, filter, update and projection expressions evaluated over plain
// JavaScript items (the shape @aws-sdk/lib-dynamodb uses). Anything outside the supported grammar
// throws, naming the construct, so a rehearsal never silently gets DynamoDB semantics wrong.
import { deepCopy } from '../deep-copy';

export type Item = Record<string, unknown>;
export type Names = Record<string, string> | undefined;
export type Values = Record<string, unknown> | undefined;

type Token = { kind: 'name' | 'alias' | 'value' | 'number' | 'op' | 'punct' | 'word'; text: string };

const WORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(<>|<=|>=|=|<|>|\+|-)|([(),.[\]])|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([0-9]+)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) {
      break;
    }
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) {
      throw new Error(`rehearsal: cannot parse DynamoDB expression '${expression}' at position ${index}.`);
    }
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'op', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'punct', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'alias', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'value', text: match[4] });
    else if (match[5]) tokens.push({ kind: 'number', text: match[5] });
    else if (WORDS.has(match[6].toUpperCase())) tokens.push({ kind: 'word', text: match[6].toUpperCase() });
    else tokens.push({ kind: 'name', text: match[6] });
  }
  return tokens;
}

type PathElement = string | number;
type Operand =
  | { kind: 'path'; path: PathElement[] }
  | { kind: 'value'; name: string }
  | { kind: 'size'; path: PathElement[] }
  | { kind: 'if_not_exists'; path: PathElement[]; fallback: Operand }
  | { kind: 'list_append'; left: Operand; right: Operand }
  | { kind: 'arithmetic'; op: '+' | '-'; left: Operand; right: Operand };

type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'between'; subject: Operand; low: Operand; high: Operand }
  | { kind: 'in'; subject: Operand; options: Operand[] }
  | { kind: 'function'; name: string; path: PathElement[]; argument?: Operand };

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[], private readonly names: Names, private readonly source: string) {}

  public atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  public peek(): Token | undefined {
    return this.tokens[this.position];
  }

  public next(): Token {
    const token = this.tokens[this.position++];
    if (!token) {
      throw this.error('unexpected end');
    }
    return token;
  }

  public expect(text: string): void {
    const token = this.next();
    if (token.text !== text) {
      throw this.error(`expected '${text}' but found '${token.text}'`);
    }
  }

  public error(problem: string): Error {
    return new Error(`rehearsal: DynamoDB expression '${this.source}': ${problem}.`);
  }

  public condition(): Condition {
    let left = this.conjunction();
    while (this.peek()?.text === 'OR') {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.peek()?.text === 'AND') {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.peek()?.text === 'NOT') {
      this.next();
      return { kind: 'not', inner: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    const token = this.peek();
    if (token?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (token?.kind === 'name' && this.tokens[this.position + 1]?.text === '(' && token.text !== 'size') {
      const name = this.next().text;
      this.expect('(');
      const path = this.path();
      let argument: Operand | undefined;
      if (this.peek()?.text === ',') {
        this.next();
        argument = this.operand();
      }
      this.expect(')');
      if (!['attribute_exists', 'attribute_not_exists', 'begins_with', 'contains', 'attribute_type'].includes(name)) {
        throw this.error(`the function ${name} is not supported`);
      }
      return { kind: 'function', name, path, argument };
    }
    const left = this.operand();
    const op = this.next();
    if (op.kind === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(op.text)) {
      return { kind: 'compare', op: op.text, left, right: this.operand() };
    }
    if (op.text === 'BETWEEN') {
      const low = this.operand();
      this.expect('AND');
      return { kind: 'between', subject: left, low, high: this.operand() };
    }
    if (op.text === 'IN') {
      this.expect('(');
      const options = [this.operand()];
      while (this.peek()?.text === ',') {
        this.next();
        options.push(this.operand());
      }
      this.expect(')');
      return { kind: 'in', subject: left, options };
    }
    throw this.error(`unexpected '${op.text}'`);
  }

  public operand(): Operand {
    const token = this.peek();
    if (token?.kind === 'value') {
      this.next();
      return { kind: 'value', name: token.text };
    }
    if (token?.kind === 'name' && this.tokens[this.position + 1]?.text === '(') {
      const name = this.next().text;
      this.expect('(');
      let result: Operand;
      if (name === 'size') {
        result = { kind: 'size', path: this.path() };
      } else if (name === 'if_not_exists') {
        const path = this.path();
        this.expect(',');
        result = { kind: 'if_not_exists', path, fallback: this.operand() };
      } else if (name === 'list_append') {
        const left = this.operand();
        this.expect(',');
        result = { kind: 'list_append', left, right: this.operand() };
      } else {
        throw this.error(`the function ${name} is not supported here`);
      }
      this.expect(')');
      return result;
    }
    return { kind: 'path', path: this.path() };
  }

  /** A value in an update SET clause: operand, optionally `+`/`-` another operand. */
  public updateValue(): Operand {
    const left = this.operand();
    const op = this.peek();
    if (op?.kind === 'op' && (op.text === '+' || op.text === '-')) {
      this.next();
      return { kind: 'arithmetic', op: op.text, left, right: this.operand() };
    }
    return left;
  }

  public path(): PathElement[] {
    const path: PathElement[] = [this.attributeName()];
    for (;;) {
      const token = this.peek();
      if (token?.text === '.') {
        this.next();
        path.push(this.attributeName());
      } else if (token?.text === '[') {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') {
          throw this.error('a list index must be a number');
        }
        path.push(Number(index.text));
        this.expect(']');
      } else {
        return path;
      }
    }
  }

  private attributeName(): string {
    const token = this.next();
    if (token.kind === 'alias') {
      const name = this.names?.[token.text];
      if (name === undefined) {
        throw this.error(`${token.text} is not in ExpressionAttributeNames`);
      }
      return name;
    }
    if (token.kind === 'name' || token.kind === 'word') {
      return token.text;
    }
    throw this.error(`expected an attribute name but found '${token.text}'`);
  }
}

function readPath(item: Item | undefined, path: PathElement[]): unknown {
  let current: unknown = item;
  for (const element of path) {
    if (current === null || current === undefined || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[element];
  }
  return current;
}

function valueOf(values: Values, name: string, source: string): unknown {
  if (!values || !(name in values)) {
    throw new Error(`rehearsal: DynamoDB expression '${source}': ${name} is not in ExpressionAttributeValues.`);
  }
  return values[name];
}

function evaluateOperand(operand: Operand, item: Item | undefined, values: Values, source: string): unknown {
  switch (operand.kind) {
    case 'path': return readPath(item, operand.path);
    case 'value': return valueOf(values, operand.name, source);
    case 'size': {
      const target = readPath(item, operand.path);
      if (typeof target === 'string' || Array.isArray(target)) return target.length;
      if (target instanceof Set) return target.size;
      if (target && typeof target === 'object') return Object.keys(target).length;
      return undefined;
    }
    case 'if_not_exists': {
      const existing = readPath(item, operand.path);
      return existing === undefined ? evaluateOperand(operand.fallback, item, values, source) : existing;
    }
    case 'list_append': {
      const left = evaluateOperand(operand.left, item, values, source);
      const right = evaluateOperand(operand.right, item, values, source);
      if (!Array.isArray(left) || !Array.isArray(right)) {
        throw new ValidationError('An operand in the update expression has an incorrect data type (list_append needs two lists)');
      }
      return [...left, ...right];
    }
    case 'arithmetic': {
      const left = evaluateOperand(operand.left, item, values, source);
      const right = evaluateOperand(operand.right, item, values, source);
      if (typeof left !== 'number' || typeof right !== 'number') {
        throw new ValidationError('An operand in the update expression has an incorrect data type (arithmetic needs numbers)');
      }
      return operand.op === '+' ? left + right : left - right;
    }
  }
}

/** A request DynamoDB rejects as invalid (the SDK reports it as ValidationException). */
export class ValidationError extends Error {
  constructor(message: string) {
    super(`Invalid UpdateExpression: ${message}`);
    this.name = 'ValidationException';
  }
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function evaluateCondition(condition: Condition, item: Item | undefined, values: Values, source: string): boolean {
  switch (condition.kind) {
    case 'and': return evaluateCondition(condition.left, item, values, source) && evaluateCondition(condition.right, item, values, source);
    case 'or': return evaluateCondition(condition.left, item, values, source) || evaluateCondition(condition.right, item, values, source);
    case 'not': return !evaluateCondition(condition.inner, item, values, source);
    case 'compare': {
      const left = evaluateOperand(condition.left, item, values, source);
      const right = evaluateOperand(condition.right, item, values, source);
      if (left === undefined || right === undefined) return condition.op === '<>' ? left !== right : false;
      if (condition.op === '=') return equal(left, right);
      if (condition.op === '<>') return !equal(left, right);
      const order = compare(left, right);
      if (order === undefined) return false;
      return condition.op === '<' ? order < 0 : condition.op === '<=' ? order <= 0 : condition.op === '>' ? order > 0 : order >= 0;
    }
    case 'between': {
      const subject = evaluateOperand(condition.subject, item, values, source);
      const low = compare(subject, evaluateOperand(condition.low, item, values, source));
      const high = compare(subject, evaluateOperand(condition.high, item, values, source));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const subject = evaluateOperand(condition.subject, item, values, source);
      return condition.options.some((o) => equal(subject, evaluateOperand(o, item, values, source)));
    }
    case 'function': {
      const target = readPath(item, condition.path);
      const argument = condition.argument ? evaluateOperand(condition.argument, item, values, source) : undefined;
      switch (condition.name) {
        case 'attribute_exists': return target !== undefined;
        case 'attribute_not_exists': return target === undefined;
        case 'begins_with': return typeof target === 'string' && typeof argument === 'string' && target.startsWith(argument);
        case 'contains':
          if (typeof target === 'string') return typeof argument === 'string' && target.includes(argument);
          if (Array.isArray(target)) return target.some((t) => equal(t, argument));
          if (target instanceof Set) return target.has(argument);
          return false;
        default:
          throw new Error(`rehearsal: DynamoDB expression '${source}': ${condition.name} is not supported.`);
      }
    }
  }
}

/** Whether `item` (undefined when absent) satisfies a condition, filter or key-condition expression. */
export function matchesCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  const parser = new Parser(tokenize(expression), names, expression);
  const condition = parser.condition();
  if (!parser.atEnd()) {
    throw parser.error(`unexpected '${parser.peek()?.text}'`);
  }
  return evaluateCondition(condition, item, values, expression);
}

/** The attribute names (top level) an expression's paths start with, e.g. the key attributes of a key condition. */
export function conditionAttributes(expression: string, names: Names): string[] {
  return tokenize(expression)
    .filter((t) => t.kind === 'alias' || t.kind === 'name')
    .filter((t) => !['attribute_exists', 'attribute_not_exists', 'begins_with', 'contains', 'size', 'attribute_type'].includes(t.text))
    .map((t) => (t.kind === 'alias' ? names?.[t.text] ?? t.text : t.text));
}

function writePath(item: Item, path: PathElement[], value: unknown): void {
  let current: any = item;
  for (let i = 0; i < path.length - 1; i++) {
    if (current[path[i]] === undefined || typeof current[path[i]] !== 'object') {
      throw new ValidationError(`The document path provided in the update expression is invalid for update (${path.slice(0, i + 1).join('.')} does not exist)`);
    }
    current = current[path[i]];
  }
  current[path[path.length - 1]] = value;
}

function removePath(item: Item, path: PathElement[]): void {
  const parent = readPath(item, path.slice(0, -1)) as any;
  if (parent && typeof parent === 'object') {
    const last = path[path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete parent[last];
  }
}

/** Applies an UpdateExpression to a copy of `item` and returns the result. */
export function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const updated: Item = deepCopy(item);
  const parser = new Parser(tokenize(expression), names, expression);
  while (!parser.atEnd()) {
    const clause = parser.next();
    if (clause.kind !== 'word' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause.text)) {
      throw parser.error(`expected SET, REMOVE, ADD or DELETE but found '${clause.text}'`);
    }
    for (;;) {
      const path = parser.path();
      if (clause.text === 'SET') {
        parser.expect('=');
        // Every value reads the item as it was before the update, as DynamoDB does.
        writePath(updated, path, evaluateOperand(parser.updateValue(), item, values, expression));
      } else if (clause.text === 'REMOVE') {
        removePath(updated, path);
      } else {
        const operand = parser.operand();
        const value = evaluateOperand(operand, item, values, expression);
        const existing = readPath(item, path);
        if (clause.text === 'ADD' && typeof value === 'number') {
          if (existing !== undefined && typeof existing !== 'number') {
            throw new ValidationError('An operand in the update expression has an incorrect data type');
          }
          writePath(updated, path, (existing as number | undefined ?? 0) + value);
        } else if (value instanceof Set) {
          const set = new Set(existing instanceof Set ? existing : []);
          for (const v of value) {
            if (clause.text === 'ADD') set.add(v); else set.delete(v);
          }
          writePath(updated, path, set);
        } else {
          throw new ValidationError(`${clause.text} needs a number or a set`);
        }
      }
      if (parser.peek()?.text === ',') {
        parser.next();
        continue;
      }
      break;
    }
  }
  return updated;
}

/** Keeps only the attributes a ProjectionExpression names (top-level paths only). */
export function project(expression: string | undefined, item: Item, names: Names): Item {
  if (!expression) {
    return item;
  }
  const out: Item = {};
  for (const part of expression.split(',')) {
    const parser = new Parser(tokenize(part.trim()), names, expression);
    const path = parser.path();
    if (path.length !== 1) {
      throw parser.error('only top-level attributes are supported in a ProjectionExpression');
    }
    if (item[path[0] as string] !== undefined) {
      out[path[0] as string] = item[path[0] as string];
    }
  }
  return out;
}

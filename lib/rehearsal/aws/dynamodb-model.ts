// DynamoDB tables in memory: the item operations and expressions handlers use for locks and
// history. Items are plain JavaScript values; the low-level client's AttributeValue shape is
// converted at the edge (see sdk-mocks.ts).
import { deepCopy } from '../deep-copy';
import { type Item, type Names, type Values, ValidationError, applyUpdate, matchesCondition, project } from './dynamodb-expressions';

export interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface TableDefinition extends KeySchema {
  readonly name: string;
  readonly indexes: Record<string, KeySchema>;
}

export class ConditionalCheckFailed extends Error {
  constructor(public readonly existing: Item | undefined) {
    super('The conditional request failed');
    this.name = 'ConditionalCheckFailedException';
  }
}

export class TableNotFound extends Error {
  constructor(table: string, known: string[]) {
    super(`Requested resource not found: Table: ${table} not found (the rehearsed template has: ${known.join(', ') || 'no tables'})`);
    this.name = 'ResourceNotFoundException';
  }
}

interface WriteOptions {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Names;
  readonly ExpressionAttributeValues?: Values;
  readonly ReturnValues?: string;
}

export class DynamoDbModel {
  private readonly tables = new Map<string, { definition: TableDefinition; items: Map<string, Item> }>();

  public createTable(definition: TableDefinition): void {
    this.tables.set(definition.name, { definition, items: new Map() });
  }

  public tableNames(): string[] {
    return [...this.tables.keys()];
  }

  /** All items of a table, for assertions and reports. */
  public items(table: string): Item[] {
    return [...this.table(table).items.values()].map((i) => deepCopy(i));
  }

  public get(table: string, key: Item, projection?: string, names?: Names): Item | undefined {
    const t = this.table(table);
    const item = t.items.get(this.keyString(t.definition, key, true));
    return item ? project(projection, deepCopy(item), names) : undefined;
  }

  public put(table: string, item: Item, options: WriteOptions = {}): Item | undefined {
    const t = this.table(table);
    const id = this.keyString(t.definition, item, false);
    const existing = t.items.get(id);
    this.checkCondition(existing, options);
    t.items.set(id, deepCopy(item));
    return options.ReturnValues === 'ALL_OLD' ? existing : undefined;
  }

  public update(table: string, key: Item, updateExpression: string | undefined, options: WriteOptions): Item | undefined {
    const t = this.table(table);
    const id = this.keyString(t.definition, key, true);
    const existing = t.items.get(id);
    this.checkCondition(existing, options);
    const base = existing ?? deepCopy(key);
    const updated = updateExpression
      ? applyUpdate(updateExpression, base, options.ExpressionAttributeNames, options.ExpressionAttributeValues)
      : base;
    for (const keyName of [t.definition.partitionKey, t.definition.sortKey].filter(Boolean) as string[]) {
      if (JSON.stringify(updated[keyName]) !== JSON.stringify(key[keyName])) {
        throw new ValidationError(`Cannot update attribute ${keyName}. This attribute is part of the key`);
      }
    }
    t.items.set(id, updated);
    switch (options.ReturnValues ?? 'NONE') {
      case 'NONE': return undefined;
      case 'ALL_OLD': return existing;
      case 'ALL_NEW': return deepCopy(updated);
      case 'UPDATED_NEW':
      case 'UPDATED_OLD': {
        const source = options.ReturnValues === 'UPDATED_NEW' ? updated : existing ?? {};
        const changed: Item = {};
        for (const name of new Set([...Object.keys(updated), ...Object.keys(existing ?? {})])) {
          if (JSON.stringify(updated[name]) !== JSON.stringify(existing?.[name]) && source[name] !== undefined) {
            changed[name] = source[name];
          }
        }
        return changed;
      }
      default:
        throw new ValidationError(`ReturnValues ${options.ReturnValues} is not valid`);
    }
  }

  public delete(table: string, key: Item, options: WriteOptions = {}): Item | undefined {
    const t = this.table(table);
    const id = this.keyString(t.definition, key, true);
    const existing = t.items.get(id);
    this.checkCondition(existing, options);
    t.items.delete(id);
    return options.ReturnValues === 'ALL_OLD' ? existing : undefined;
  }

  public query(table: string, input: {
    readonly IndexName?: string;
    readonly KeyConditionExpression?: string;
    readonly FilterExpression?: string;
    readonly ProjectionExpression?: string;
    readonly ExpressionAttributeNames?: Names;
    readonly ExpressionAttributeValues?: Values;
    readonly ScanIndexForward?: boolean;
    readonly Limit?: number;
    readonly ExclusiveStartKey?: Item;
  }, scan = false): { items: Item[]; lastEvaluatedKey?: Item } {
    const t = this.table(table);
    const schema = input.IndexName ? t.definition.indexes[input.IndexName] : t.definition;
    if (!schema) {
      throw new ValidationError(`The table does not have the specified index: ${input.IndexName}`);
    }
    if (!scan && !input.KeyConditionExpression) {
      throw new ValidationError('Query needs a KeyConditionExpression (KeyConditions is not modelled)');
    }
    let items = [...t.items.values()].filter((item) => item[schema.partitionKey] !== undefined);
    if (input.KeyConditionExpression) {
      items = items.filter((item) => matchesCondition(input.KeyConditionExpression!, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues));
    }
    if (schema.sortKey) {
      const sortKey = schema.sortKey;
      items.sort((a, b) => (a[sortKey] as any) < (b[sortKey] as any) ? -1 : (a[sortKey] as any) > (b[sortKey] as any) ? 1 : 0);
    }
    if (input.ScanIndexForward === false) {
      items.reverse();
    }
    if (input.ExclusiveStartKey) {
      const start = this.keyString(t.definition, input.ExclusiveStartKey, true);
      const index = items.findIndex((i) => this.keyString(t.definition, i, false) === start);
      items = items.slice(index + 1);
    }
    let lastEvaluatedKey: Item | undefined;
    if (input.Limit !== undefined && items.length > input.Limit) {
      items = items.slice(0, input.Limit);
      const last = items[items.length - 1];
      lastEvaluatedKey = this.keyOf(t.definition, last);
    }
    if (input.FilterExpression) {
      items = items.filter((item) => matchesCondition(input.FilterExpression!, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues));
    }
    return {
      items: items.map((i) => project(input.ProjectionExpression, deepCopy(i), input.ExpressionAttributeNames)),
      lastEvaluatedKey,
    };
  }

  private checkCondition(existing: Item | undefined, options: WriteOptions): void {
    if (options.ConditionExpression
      && !matchesCondition(options.ConditionExpression, existing, options.ExpressionAttributeNames, options.ExpressionAttributeValues)) {
      throw new ConditionalCheckFailed(existing);
    }
  }

  private table(name: string) {
    const table = this.tables.get(name);
    if (!table) {
      throw new TableNotFound(name, this.tableNames());
    }
    return table;
  }

  private keyOf(definition: KeySchema, item: Item): Item {
    const key: Item = { [definition.partitionKey]: item[definition.partitionKey] };
    if (definition.sortKey) {
      key[definition.sortKey] = item[definition.sortKey];
    }
    return key;
  }

  private keyString(definition: TableDefinition, item: Item, exact: boolean): string {
    const names = [definition.partitionKey, definition.sortKey].filter(Boolean) as string[];
    for (const name of names) {
      if (item[name] === undefined) {
        throw new ValidationError(`The provided key element does not match the schema (missing ${name})`);
      }
    }
    if (exact && Object.keys(item).length !== names.length) {
      throw new ValidationError('The provided key element does not match the schema (extra attributes in Key)');
    }
    return JSON.stringify(names.map((n) => item[n]));
  }
}

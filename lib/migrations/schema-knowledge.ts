import {
  AlterTableCmd, AlterTableStmt, bodyOf, ColumnDef, columnConstraints, ColumnType, columnTypeOf, Constraint, CreateStmt,
  RangeVar, relationName, RenameStmt, StringNode, SyntaxNode,
} from './sql-syntax';

/** What the migrations say about one column; a field is absent while they have not said it. */
export interface ColumnFact {
  readonly notNull?: boolean;
  readonly type?: ColumnType;
}

/** The first answers to the questions asked about one column: known fields, and those nothing answered. */
export interface ColumnAnswer {
  readonly fact: ColumnFact;
  readonly unknown: ReadonlyArray<keyof ColumnFact>;
}

/** `later` over `earlier`: the fields `later` has replace those of `earlier`, the others stay. */
export function laterColumnFact(earlier: ColumnFact | undefined, later: ColumnFact): ColumnFact {
  return {
    notNull: later.notNull ?? earlier?.notNull,
    type: later.type ?? earlier?.type,
  };
}

/**
 * What the checked migrations themselves say about the schema, accumulated statement by statement:
 * which tables the current file creates (the running version cannot use those yet), and which
 * columns are NOT NULL (needed to judge DROP DEFAULT) and of which type (to tell a widening from a
 * type change that breaks the running version).
 */
export class SchemaKnowledge {
  private readonly createdInCurrentFile = new Set<string>();
  private inExplicitTransaction = false;
  /** `table.column` → what is known about it. Only columns the migrations define or alter. */
  private readonly columns: Map<string, ColumnFact>;
  /** The first answer to each question about a column since takeFirstAnswers (see there). */
  private firstAnswers = new Map<string, ColumnAnswer>();

  /**
   * @param columnFacts what earlier migrations said about columns (from columnFacts() of a
   * SchemaKnowledge that checked them), to continue where another thread stopped.
   */
  constructor(columnFacts: Iterable<readonly [string, ColumnFact]> = []) {
    this.columns = new Map(columnFacts);
  }

  /** Everything learnt about columns, as `[table.column, fact]` pairs (plain data, for another thread). */
  public columnFacts(): Array<[string, ColumnFact]> {
    return [...this.columns];
  }

  /**
   * The first answer given to each question about a column (NOT NULL? which type?) since the last
   * call, with `unknown` naming the questions nothing answered. Taken after each file, these are
   * what the migrations before the file said about what the file asks: checking the file again from
   * them, with the unknown ones answered by earlier migrations, gives the findings of one run over
   * all of them (a question first asked after the file itself changed the column is answered by
   * that change either way).
   */
  public takeFirstAnswers(): Array<[string, ColumnAnswer]> {
    if (this.firstAnswers.size === 0) return [];
    const answers = [...this.firstAnswers];
    this.firstAnswers = new Map();
    return answers;
  }

  /** Starts a new file: tables created by earlier files are already deployed. */
  public startFile(): void {
    this.createdInCurrentFile.clear();
    this.inExplicitTransaction = false;
  }

  /** Between a BEGIN / START TRANSACTION and its COMMIT / ROLLBACK in the current file. */
  public isInExplicitTransaction(): boolean {
    return this.inExplicitTransaction;
  }

  public isCreatedInCurrentFile(relation: RangeVar): boolean {
    return this.createdInCurrentFile.has(tableKey(relation));
  }

  /** true / false when the migrations say whether the column is NOT NULL, undefined when they do not. */
  public isColumnNotNull(relation: RangeVar | undefined, column: string): boolean | undefined {
    return this.columnFact(relation, column, 'notNull');
  }

  /** The column's type when the migrations declare it, undefined when they do not. */
  public columnType(relation: RangeVar | undefined, column: string): ColumnType | undefined {
    return this.columnFact(relation, column, 'type');
  }

  private columnFact<K extends keyof ColumnFact>(relation: RangeVar | undefined, column: string, field: K): ColumnFact[K] | undefined {
    if (!relation) return undefined;
    const key = `${tableKey(relation)}.${column}`;
    const value = this.columns.get(key)?.[field];
    const answer = this.firstAnswers.get(key);
    if (!answer || !(field in answer.fact || answer.unknown.includes(field))) {
      this.firstAnswers.set(key, {
        fact: value === undefined ? { ...answer?.fact } : { ...answer?.fact, [field]: value },
        unknown: value === undefined ? [...(answer?.unknown ?? []), field] : answer?.unknown ?? [],
      });
    }
    return value;
  }

  private learn(key: string, fact: ColumnFact): void {
    this.columns.set(key, laterColumnFact(this.columns.get(key), fact));
  }

  /** Updates the knowledge with the effect of one statement (called after the rules ran on it). */
  public apply(node: SyntaxNode): void {
    const transaction = bodyOf<{ kind?: string }>(node, 'TransactionStmt')?.kind;
    if (transaction === 'TRANS_STMT_BEGIN' || transaction === 'TRANS_STMT_START') this.inExplicitTransaction = true;
    if (transaction === 'TRANS_STMT_COMMIT' || transaction === 'TRANS_STMT_ROLLBACK') this.inExplicitTransaction = false;
    const create = bodyOf<CreateStmt>(node, 'CreateStmt');
    if (create?.relation) this.recordCreatedTable(create.relation, create);
    const alter = bodyOf<AlterTableStmt>(node, 'AlterTableStmt');
    if (alter?.relation) {
      for (const commandNode of alter.cmds ?? []) {
        const command = bodyOf<AlterTableCmd>(commandNode, 'AlterTableCmd');
        if (command) this.recordAlteration(alter.relation, command);
      }
    }
    const rename = bodyOf<RenameStmt>(node, 'RenameStmt');
    if (rename?.renameType === 'OBJECT_TABLE' && rename.relation && rename.newname
      && this.createdInCurrentFile.has(tableKey(rename.relation))) {
      this.createdInCurrentFile.add(tableKey({ ...rename.relation, relname: rename.newname }));
    }
  }

  private recordCreatedTable(relation: RangeVar, create: CreateStmt): void {
    const table = tableKey(relation);
    this.createdInCurrentFile.add(table);
    const primaryKeyColumns = new Set<string>();
    for (const element of create.tableElts ?? []) {
      const constraint = bodyOf<Constraint & { keys?: SyntaxNode[] }>(element, 'Constraint');
      if (constraint?.contype === 'CONSTR_PRIMARY') {
        for (const key of constraint.keys ?? []) {
          const name = bodyOf<StringNode>(key, 'String')?.sval;
          if (name) primaryKeyColumns.add(name);
        }
      }
    }
    for (const element of create.tableElts ?? []) {
      const column = bodyOf<ColumnDef>(element, 'ColumnDef');
      if (column?.colname) {
        // A new table: nothing known about an earlier column of that name still holds.
        this.columns.set(`${table}.${column.colname}`, {
          notNull: isDeclaredNotNull(column) || primaryKeyColumns.has(column.colname),
          type: columnTypeOf(column.typeName),
        });
      }
    }
  }

  private recordAlteration(relation: RangeVar, command: AlterTableCmd): void {
    const table = tableKey(relation);
    if (command.subtype === 'AT_AddColumn') {
      const column = bodyOf<ColumnDef>(command.def, 'ColumnDef');
      if (column?.colname) {
        this.columns.set(`${table}.${column.colname}`, { notNull: isDeclaredNotNull(column), type: columnTypeOf(column.typeName) });
      }
    } else if (command.subtype === 'AT_SetNotNull' && command.name) {
      this.learn(`${table}.${command.name}`, { notNull: true });
    } else if (command.subtype === 'AT_DropNotNull' && command.name) {
      this.learn(`${table}.${command.name}`, { notNull: false });
    } else if (command.subtype === 'AT_AlterColumnType' && command.name) {
      this.learn(`${table}.${command.name}`, { type: columnTypeOf(bodyOf<ColumnDef>(command.def, 'ColumnDef')?.typeName) });
    }
  }
}

/** A column definition that says NOT NULL or PRIMARY KEY. */
export function isDeclaredNotNull(column: ColumnDef): boolean {
  return columnConstraints(column).some((constraint) =>
    constraint.contype === 'CONSTR_NOTNULL' || constraint.contype === 'CONSTR_PRIMARY');
}

// Unqualified names are matched to `public.` ones: migrations rarely qualify, and the default
// search_path resolves both to the same table.
function tableKey(relation: RangeVar): string {
  const name = relationName(relation);
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

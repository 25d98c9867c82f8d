// The slice of libpg-query's JSON syntax tree that the rules read. The tree is PostgreSQL's own
// parse tree serialised as JSON: every node is an object with a single key naming its type
// ({ "AlterTableStmt": {...} }). Only the fields the rules use are declared; everything is optional
// because the serialiser omits default values (false, 0, empty lists). The nodes' `location` fields
// are left out on purpose: the command-line tool parses several files in one text, so they count
// from the start of that text (a statement's own offsets are in RawStatement).

/** Any node of the tree: `{ <NodeType>: <fields> }`. */
export type SyntaxNode = Readonly<Record<string, unknown>>;

export interface RangeVar {
  readonly schemaname?: string;
  readonly relname?: string;
}

export interface StringNode {
  readonly sval?: string;
}

export interface TypeName {
  readonly names?: SyntaxNode[];
  readonly typmods?: SyntaxNode[];
  readonly arrayBounds?: SyntaxNode[];
}

export interface Constraint {
  readonly contype?: string;
  readonly conname?: string;
  /** True when written with NOT VALID. */
  readonly skip_validation?: boolean;
  /** ADD CONSTRAINT ... USING INDEX. */
  readonly indexname?: string;
  readonly raw_expr?: SyntaxNode;
  readonly generated_kind?: string;
}

export interface ColumnDef {
  readonly colname?: string;
  readonly typeName?: TypeName;
  readonly constraints?: SyntaxNode[];
  /** In ALTER COLUMN ... TYPE: the USING expression. */
  readonly raw_default?: SyntaxNode;
  /** COLLATE clause. */
  readonly collClause?: SyntaxNode;
}

/** A column's declared type as plain data: `varchar(50)` is `{ name: 'varchar', modifiers: [50], array: false }`. */
export interface ColumnType {
  /** Without the pg_catalog schema the parser adds to built-in types (`character varying` is `varchar`). */
  readonly name: string;
  /** undefined when a modifier is not a whole number (the checker cannot compare those). */
  readonly modifiers?: readonly number[];
  readonly array: boolean;
}

export interface AlterTableCmd {
  readonly subtype?: string;
  readonly name?: string;
  readonly def?: SyntaxNode;
}

export interface AlterTableStmt {
  readonly relation?: RangeVar;
  readonly cmds?: SyntaxNode[];
  readonly objtype?: string;
}

export interface CreateStmt {
  readonly relation?: RangeVar;
  readonly tableElts?: SyntaxNode[];
}

export interface RenameStmt {
  readonly renameType?: string;
  readonly relationType?: string;
  readonly relation?: RangeVar;
  readonly object?: SyntaxNode;
  readonly subname?: string;
  readonly newname?: string;
}

export interface DropStmt {
  readonly objects?: SyntaxNode[];
  readonly removeType?: string;
  readonly concurrent?: boolean;
}

/** GRANT / REVOKE of privileges on objects (REVOKE: `is_grant` absent). */
export interface GrantStmt {
  readonly is_grant?: boolean;
  readonly targtype?: string;
  readonly objtype?: string;
  readonly objects?: SyntaxNode[];
  /** Absent for ALL PRIVILEGES. */
  readonly privileges?: SyntaxNode[];
  readonly grantees?: SyntaxNode[];
}

/** GRANT / REVOKE of role membership. */
export interface GrantRoleStmt {
  readonly is_grant?: boolean;
  readonly granted_roles?: SyntaxNode[];
  readonly grantee_roles?: SyntaxNode[];
}

export interface AccessPriv {
  readonly priv_name?: string;
  readonly cols?: SyntaxNode[];
}

export interface RoleSpec {
  readonly roletype?: string;
  readonly rolename?: string;
}

export interface TruncateStmt {
  readonly relations?: SyntaxNode[];
  readonly behavior?: string;
}

export interface CreatePolicyStmt {
  readonly policy_name?: string;
  readonly table?: RangeVar;
  /** Absent for AS RESTRICTIVE. */
  readonly permissive?: boolean;
}

export interface AlterPolicyStmt {
  readonly policy_name?: string;
  readonly table?: RangeVar;
}

export interface IndexStmt {
  readonly idxname?: string;
  readonly relation?: RangeVar;
  readonly unique?: boolean;
  readonly concurrent?: boolean;
}

export interface AlterEnumStmt {
  readonly typeName?: SyntaxNode[];
  readonly oldVal?: string;
  readonly newVal?: string;
}

export interface UpdateStmt {
  readonly relation?: RangeVar;
  readonly whereClause?: SyntaxNode;
}

export interface DeleteStmt {
  readonly relation?: RangeVar;
  readonly whereClause?: SyntaxNode;
}

export interface VacuumStmt {
  readonly options?: SyntaxNode[];
  readonly rels?: SyntaxNode[];
  readonly is_vacuumcmd?: boolean;
}

export interface ClusterStmt {
  readonly relation?: RangeVar;
}

export interface AlterObjectSchemaStmt {
  readonly objectType?: string;
  readonly relation?: RangeVar;
  readonly newschema?: string;
}

export interface FuncCall {
  readonly funcname?: SyntaxNode[];
}

/** The type name of a node (its single key). */
export function kindOf(node: SyntaxNode | undefined): string | undefined {
  if (!node) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The fields of a node when it has the given type, else undefined. */
export function bodyOf<T>(node: SyntaxNode | undefined, kind: string): T | undefined {
  // Rules mostly ask nodes about types they are not: answer those without listing the node's keys.
  if (!node || node[kind] === undefined || kindOf(node) !== kind) return undefined;
  return node[kind] as T;
}

/** Schema-qualified, human-readable name of a relation (`public.users` or `users`). */
export function relationName(relation: RangeVar | undefined): string {
  if (!relation?.relname) return '(unknown)';
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

/** Dotted name from a list of String nodes (`["public", "f"]` → `public.f`). */
export function dottedName(names: readonly SyntaxNode[] | undefined): string {
  return (names ?? [])
    .map((name) => bodyOf<StringNode>(name, 'String')?.sval)
    .filter((part): part is string => part !== undefined)
    .join('.');
}

/** The type a column is declared with. */
export function columnTypeOf(typeName: TypeName | undefined): ColumnType | undefined {
  if (!typeName) return undefined;
  const values = (typeName.typmods ?? []).map((modifier) => bodyOf<{ ival?: { ival?: number } }>(modifier, 'A_Const')?.ival);
  return {
    name: dottedName(typeName.names).replace(/^pg_catalog\./, ''),
    // A zero is serialised as an empty object; a named or non-integer modifier has no `ival`.
    modifiers: values.every((value) => value !== undefined) ? values.map((value) => value?.ival ?? 0) : undefined,
    array: (typeName.arrayBounds ?? []).length > 0,
  };
}

/** Name of an object in a DROP or RENAME (tables, views, functions, types). */
export function objectName(object: SyntaxNode | undefined): string {
  if (!object) return '(unknown)';
  const list = bodyOf<{ items?: SyntaxNode[] }>(object, 'List');
  if (list) return dottedName(list.items);
  const withArgs = bodyOf<{ objname?: SyntaxNode[] }>(object, 'ObjectWithArgs');
  if (withArgs) return dottedName(withArgs.objname);
  const typeName = bodyOf<TypeName>(object, 'TypeName');
  if (typeName) return dottedName(typeName.names);
  const single = bodyOf<StringNode>(object, 'String');
  if (single?.sval) return single.sval;
  return '(unknown)';
}

/** The column constraints of a column definition, unwrapped. */
export function columnConstraints(column: ColumnDef): Constraint[] {
  return (column.constraints ?? [])
    .map((node) => bodyOf<Constraint>(node, 'Constraint'))
    .filter((constraint): constraint is Constraint => constraint !== undefined);
}

/** Every node below (and including) `root`, depth first; used to look for function calls. */
export function* descendants(root: unknown): Generator<SyntaxNode> {
  if (Array.isArray(root)) {
    for (const item of root) yield* descendants(item);
    return;
  }
  if (root === null || typeof root !== 'object') return;
  const node = root as SyntaxNode;
  if (kindOf(node) !== undefined) yield node;
  for (const value of Object.values(node)) yield* descendants(value);
}

export interface DefElemName {
  readonly defname?: string;
}

import { MigrationRule } from '../rule';
import { AlterEnumStmt, bodyOf, dottedName } from '../sql-syntax';

export const renamingEnumValue: MigrationRule = {
  id: 'renaming-enum-value',
  severity: 'unsafe',
  statementKinds: ['AlterEnumStmt'],
  reason: 'The running version still writes and compares the old label; its writes fail with "invalid input value for enum".',
  recipe: [
    'Add the new label (ALTER TYPE ... ADD VALUE, compatible) and deploy code that accepts both labels.',
    'Migrate rows from the old label to the new one in batches; deploy code that writes only the new label.',
    'Wait until the old version is gone; removing the old label then means recreating the type (a contract migration).',
  ],
  check: (subject) => {
    const alter = bodyOf<AlterEnumStmt>(subject.statement.node, 'AlterEnumStmt');
    if (alter?.oldVal === undefined) return [];
    return [{ message: `enum ${dottedName(alter.typeName)} label '${alter.oldVal}' is renamed to '${alter.newVal}' while the running version uses the old label` }];
  },
};

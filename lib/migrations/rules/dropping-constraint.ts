import { alterCommandHits, MigrationRule } from '../rule';

export const droppingConstraint: MigrationRule = {
  id: 'dropping-constraint',
  severity: 'warning',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_DropConstraint'],
  reason: 'If the constraint is a primary key or unique constraint that the running version\'s '
    + 'INSERT ... ON CONFLICT names, those inserts fail ("no unique or exclusion constraint matching the ON CONFLICT '
    + 'specification"); any other constraint the old version relies on for integrity stops being enforced.',
  recipe: [
    'Check whether the running version uses the constraint (ON CONFLICT targets, relying on uniqueness or references).',
    'If it does: deploy code that no longer depends on it, wait until the old version is gone, then drop it.',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_DropConstraint', (table, command) =>
    `constraint ${command.name} on ${table} is dropped while the running version may depend on it`),
};

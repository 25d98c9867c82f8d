import { alterCommandHits, MigrationRule } from '../rule';
import { bodyOf, Constraint } from '../sql-syntax';

const KIND: Record<string, string> = { CONSTR_CHECK: 'CHECK', CONSTR_FOREIGN: 'FOREIGN KEY' };

export const addingConstraintWithoutNotValid: MigrationRule = {
  id: 'adding-constraint-without-not-valid',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_AddConstraint'],
  reason: 'Without NOT VALID, PostgreSQL checks every existing row while holding a lock that blocks the running '
    + 'version (ACCESS EXCLUSIVE for CHECK; SHARE ROW EXCLUSIVE on both tables for FOREIGN KEY), and the '
    + 'migration fails if rows the old version wrote violate it. From then on, old writes that violate it fail.',
  recipe: [
    'Deploy code that only writes rows satisfying the constraint; wait until the old version is fully replaced.',
    'ADD CONSTRAINT ... NOT VALID (enforced for new writes, no scan of existing rows, brief lock).',
    'Fix existing violating rows in batches.',
    'VALIDATE CONSTRAINT in a separate migration (scans without blocking reads and writes).',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_AddConstraint', (table, command) => {
    const constraint = bodyOf<Constraint>(command.def, 'Constraint');
    const kind = KIND[constraint?.contype ?? ''];
    if (!constraint || !kind || constraint.skip_validation) return undefined;
    return `${kind} constraint ${constraint.conname ? `${constraint.conname} ` : ''}on ${table} is added without NOT VALID: it locks the table `
      + 'while checking every row and rejects old writes that violate it';
  }),
};

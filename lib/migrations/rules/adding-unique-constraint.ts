import { alterCommandHits, MigrationRule } from '../rule';
import { bodyOf, Constraint } from '../sql-syntax';

const KIND: Record<string, string> = { CONSTR_UNIQUE: 'UNIQUE', CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_EXCLUSION: 'EXCLUDE' };

export const addingUniqueConstraint: MigrationRule = {
  id: 'adding-unique-constraint',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_AddConstraint'],
  reason: 'ADD CONSTRAINT UNIQUE / PRIMARY KEY builds its index while holding a lock that blocks all writes of the '
    + 'running version for the whole build, fails if the old version wrote duplicates, and then rejects old '
    + 'writes that duplicate a value.',
  recipe: [
    'Deploy code that never writes duplicates; wait until the old version is fully replaced; remove existing duplicates.',
    'CREATE UNIQUE INDEX CONCURRENTLY <index> ON <table> (<columns>) (outside a transaction).',
    'ALTER TABLE <table> ADD CONSTRAINT <name> UNIQUE USING INDEX <index> (instant).',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_AddConstraint', (table, command) => {
    const constraint = bodyOf<Constraint>(command.def, 'Constraint');
    const kind = KIND[constraint?.contype ?? ''];
    if (!constraint || !kind || constraint.indexname) return undefined;
    return `${kind} constraint ${constraint.conname ? `${constraint.conname} ` : ''}on ${table} builds its index under a write-blocking lock `
      + 'and rejects duplicate writes of the running version';
  }),
};

export * from './color';
export * from './capacity';
export * from './health-check';
export * from './fleet';
export * from './blue-green-service';
export * from './migrations';

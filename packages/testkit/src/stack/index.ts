export * from './child-process.ts';
export * from './cluster-stack.ts';
export * from './stack.ts';

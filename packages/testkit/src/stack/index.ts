export * from './child-process.ts';
export * from './stack.ts';

export * from './model-double.ts';
export * from './script.ts';

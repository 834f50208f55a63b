export * from './simulated-visitor.ts';

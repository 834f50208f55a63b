export * from './simulated-visitor.ts';
export * from './wav.ts';

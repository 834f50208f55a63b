export * from './client.ts';
export { newId } from './ids.ts';
export type { ListenHandlers, Listening } from './listen.ts';
export { jsonParam, rowsOf } from './rows.ts';
export * from './schema.ts';
export { dropTestDatabase, recreateTestDatabase } from './test-database.ts';

import { v7 } from 'uuid';

/** Time-ordered ids keep the calls list's cursor pagination and index locality cheap. */
export function newId(): string {
  return v7();
}

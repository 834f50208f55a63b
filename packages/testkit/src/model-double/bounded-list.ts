/**
 * Appends, then drops the oldest entries past `keep`. What the double remembers of sessions and
 * requests is read by tests a handful at a time, while `npm start`'s offline demo runs the double
 * for as long as the platform runs: a session's info alone grows by 50 numbers a second of its
 * call.
 */
export function pushBounded<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}

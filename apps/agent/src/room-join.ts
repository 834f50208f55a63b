import type { JobContext } from '@livekit/agents';

type Joinable = Pick<JobContext, 'connect'>;

/**
 * Starts joining the call's room now, while the job still fetches the site's settings, and
 * makes every later `ctx.connect()` wait for this join instead of starting a second one.
 *
 * Why: `AgentSession.start` joins the room itself when the room is not connected yet, and it
 * checks that by `room.isConnected`, which stays false while a join is under way. Without this,
 * a join begun early would be begun again by the session. The join is the longest step of a
 * call's setup after the dispatch, so it should not wait for the settings.
 *
 * The returned promise is the join; its failure also reaches the session's start, which is
 * where the job handles it.
 */
export function joinEarly(ctx: Joinable): Promise<void> {
  const joining = ctx.connect();
  ctx.connect = () => joining;
  // Handled where it is awaited (the session's start); this only keeps an unawaited failure,
  // say on a job that ends before its session starts, from being an unhandled rejection.
  joining.catch(() => {});
  return joining;
}

/**
 * The answer page's chunk (livekit-client is most of it): loaded by its route, and fetched ahead
 * while an offer rings, so Accept does not wait for half a megabyte before joining the call.
 */
export const loadAnswerPage = () => import('./answer-page.tsx');

/**
 * A simulated visitor in a process of its own, so a test can SIGKILL it: its sockets die with
 * no leave sent, which LiveKit sees as a dropped connection, not a hang-up.
 * Usage: node --import tsx tests/support/visitor-process.ts <livekitUrl> <token>
 */
import { connectVisitor } from '@voicedesk/testkit';

const [url, token] = process.argv.slice(2);
if (!url || !token) throw new Error('usage: visitor-process.ts <livekitUrl> <token>');
const visitor = await connectVisitor({ url, token });
await visitor.waitForSpeech({ timeoutMs: 20_000 });
console.log('VISITOR_HEARD_ASSISTANT');
// Stays in the call until killed.
setInterval(() => {}, 60_000);

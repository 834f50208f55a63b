import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AccessToken, TwirpError, type VideoGrant } from 'livekit-server-sdk';

/** As long as the SDK's own service tokens live. */
const TOKEN_TTL_SECONDS = 600;
/** Signed again well before it expires, so no request carries a token about to lapse. */
const TOKEN_REUSE_MS = 300_000;

export interface TwirpClient {
  /** POSTs `body` (protobuf JSON) to LiveKit's `livekit.<service>/<method>` and answers its JSON. */
  call(service: string, method: string, body: unknown, grant: VideoGrant): Promise<unknown>;
  close(): void;
}

/** LiveKit's error answer, as the SDK's client throws it: 4xx are final, 5xx another node may answer. */
function twirpError(res: IncomingMessage, text: string): TwirpError {
  let parsed: { code?: string; msg?: string; meta?: Record<string, string> } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { msg: text };
  }
  return new TwirpError(
    res.statusMessage ?? '',
    parsed.msg ?? 'Unknown internal error',
    res.statusCode ?? 0,
    parsed.code,
    parsed.meta,
  );
}

/**
 * One LiveKit node's Twirp API over node:http with kept-alive connections, for the request on
 * a hot path: CreateRoom, on every POST /v1/calls. The SDK's clients go through the global
 * fetch, whose Request, Headers, AbortSignal and web streams were 22 % of the API's CPU in
 * bench/mint-bench.ts, and sign a new service token for every request. The wire is the SDK's
 * (the same JSON, path and errors); the token is reused for five of its ten minutes.
 */
export function createTwirpClient(
  baseUrl: string,
  key: { apiKey: string; apiSecret: string },
  timeoutMs: number,
): TwirpClient {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const tokens = new Map<string, { jwt: Promise<string>; signedAt: number }>();

  const tokenFor = (grant: VideoGrant): Promise<string> => {
    const id = JSON.stringify(grant);
    const kept = tokens.get(id);
    if (kept && Date.now() - kept.signedAt < TOKEN_REUSE_MS) return kept.jwt;
    const token = new AccessToken(key.apiKey, key.apiSecret, { ttl: TOKEN_TTL_SECONDS });
    token.addGrant(grant);
    const jwt = token.toJwt();
    tokens.set(id, { jwt, signedAt: Date.now() });
    jwt.catch(() => tokens.delete(id));
    return jwt;
  };

  return {
    async call(service, method, body, grant) {
      const payload = JSON.stringify(body);
      const authorization = `Bearer ${await tokenFor(grant)}`;
      return new Promise((resolve, reject) => {
        const req = send(
          {
            agent,
            hostname: url.hostname,
            port: url.port,
            path: `/twirp/livekit.${service}/${method}`,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
              authorization,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', fail);
            res.on('end', () => {
              clearTimeout(timer);
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status < 200 || status >= 300) return reject(twirpError(res, text));
              try {
                resolve(JSON.parse(text));
              } catch (err) {
                reject(err);
              }
            });
          },
        );
        const timer = setTimeout(
          () => req.destroy(new Error(`LiveKit ${service}/${method} did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
        function fail(err: Error) {
          clearTimeout(timer);
          reject(err);
        }
        req.on('error', fail);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

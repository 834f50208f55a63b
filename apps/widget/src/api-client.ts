export interface SiteConfig {
  name: string;
  greeting: string;
  open: boolean;
  /** Where calls connect, so the widget can warm the connection before a press (absent from older APIs). */
  livekitUrl?: string;
  theme: { buttonLabel: string; color: string; position: 'bottom-right' | 'bottom-left' };
  /** Absent from an API older than recordings. */
  recording?: { enabled: boolean; notice: string | null };
}

export interface StartedCall {
  callId: string;
  token: string;
  livekitUrl: string;
  visitorKey: string;
  /** Whether this call is recorded (absent from APIs older than it). */
  recording?: SiteConfig['recording'];
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok)
    throw new ApiError(body.error?.code ?? `http_${res.status}`, body.error?.message ?? res.statusText);
  return body as T;
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError('unreachable', 'the support service cannot be reached');
  }
  return parse<T>(res);
}

export const fetchSiteConfig = (api: string, key: string) =>
  request<SiteConfig>(`${api}/v1/sites/${encodeURIComponent(key)}/config`);

/** `msSincePress`: from the visitor's press to this request, so the call's trace starts at the press. */
export const startCall = (api: string, siteKey: string, msSincePress: number) =>
  request<StartedCall>(`${api}/v1/calls`, {
    method: 'POST',
    // JSON labelled text/plain (the API takes it on this route): a CORS simple request, sent at
    // once, where application/json would first wait for a preflight round trip.
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify({ siteKey, msSincePress }),
  });

export const endCall = (api: string, call: StartedCall) =>
  fetch(`${api}/v1/calls/${call.callId}/end`, {
    method: 'POST',
    headers: { authorization: `Bearer ${call.visitorKey}` },
    keepalive: true,
  }).catch(() => undefined);

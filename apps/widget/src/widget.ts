import {
  ApiError,
  endCall,
  fetchSiteConfig,
  type SiteConfig,
  type StartedCall,
  startCall,
} from './api-client.ts';
import type * as CallModule from './call-session.ts';
import { errorText, noticeText, STATE_TEXT } from './messages.ts';
import { talkingTo } from './room-state.ts';
import { STYLES } from './styles.ts';
import { HEARD_LEVEL, speakingIndicator } from './voice-meter.ts';

/** The call module's content-hashed file name, set at build time (vite.widget.config.ts). */
declare const __VOICEDESK_CALL_MODULE__: string;

type State = keyof typeof STATE_TEXT;
type Listener = (detail: Record<string, unknown>) => void;

const script = (document.currentScript ??
  document.querySelector('script[data-site-key]')) as HTMLScriptElement | null;

/** After the host page's own work: Safari has no requestIdleCallback. */
function whenIdle(fn: () => void) {
  if ('requestIdleCallback' in window) requestIdleCallback(fn, { timeout: 3_000 });
  else setTimeout(fn, 1_000);
}

function mountWidget(tag: HTMLScriptElement) {
  const siteKey = tag.dataset.siteKey ?? '';
  const api = (tag.dataset.apiUrl ?? new URL(tag.src).origin).replace(/\/$/, '');
  const callModuleUrl = new URL(__VOICEDESK_CALL_MODULE__, tag.src).href;
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, detail: Record<string, unknown> = {}) => {
    for (const fn of listeners.get(event) ?? []) fn(detail);
  };

  const host = document.createElement('voicedesk-widget');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${STYLES}</style>
    <div class="sr" role="status" aria-live="polite"></div>
    <div class="sr" role="log" aria-label="Assistant captions"></div>
    <button class="launcher" type="button" aria-haspopup="dialog" aria-describedby="vd-notice">${STATE_TEXT.idle}</button>
    <div class="panel" role="dialog" aria-label="Voice support call" hidden>
      <p class="status" tabindex="-1"></p>
      <p class="who" aria-live="polite" hidden></p>
      <p class="notice" id="vd-notice" hidden></p>
      <div class="row talk"><span class="speaking" aria-hidden="true"></span><p class="caption"></p></div>
      <div class="row controls">
        <button class="mute" type="button" aria-pressed="false">Mute</button>
        <button class="hangup" type="button">Hang up</button>
        <span class="timer" aria-label="Call duration">0:00</span>
      </div>
      <div class="row after" hidden><button class="again" type="button">Call again</button>
        <button class="close" type="button">Close</button></div>
    </div>`;
  const $ = <T extends Element>(sel: string) => root.querySelector(sel) as T;
  const live = $<HTMLDivElement>('[role=status]');
  const captionLog = $<HTMLDivElement>('[role=log]');
  const launcher = $<HTMLButtonElement>('.launcher');
  const panel = $<HTMLDivElement>('.panel');
  const status = $<HTMLParagraphElement>('.status');
  const caption = $<HTMLParagraphElement>('.caption');
  const speaking = $<HTMLSpanElement>('.speaking');
  const controls = $<HTMLDivElement>('.controls');
  const after = $<HTMLDivElement>('.after');
  const timer = $<HTMLSpanElement>('.timer');
  const muteButton = $<HTMLButtonElement>('.mute');
  const talk = $<HTMLDivElement>('.talk');
  const again = $<HTMLButtonElement>('.again');
  const notice = $<HTMLParagraphElement>('.notice');
  const who = $<HTMLParagraphElement>('.who');

  let state: State = 'idle';
  let call: StartedCall | undefined;
  let session: CallModule.CallSession | undefined;
  let startedAt = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;
  // The call's setup as `trace` events, each step in ms since the press: where a slow call lost
  // its time, for the site's own measurements and the bench.
  let pressedAt = 0;
  let heard = false;
  let isSpeaking = speakingIndicator();
  const trace = (step: string) => emit('trace', { step, ms: Math.round(performance.now() - pressedAt) });

  // What a press needs that no call decides (livekit-client, a warmed signalling connection) is
  // made ready before it: the module when the page is idle, the connection when the visitor
  // heads for the button. Neither mints a call nor opens the microphone.
  let callModule: Promise<typeof CallModule> | undefined;
  const loadCallModule = () => {
    callModule ??= (import(/* @vite-ignore */ callModuleUrl) as Promise<typeof CallModule>).catch(
      (err: unknown) => {
        callModule = undefined; // the press tries again
        throw err;
      },
    );
    return callModule;
  };
  /** Where calls connect, from the site's config (an older API does not say). */
  let livekitUrl: string | undefined;
  let prepared: { url: string; room: ReturnType<typeof CallModule.prepare>; at: number } | undefined;
  const warmUp = () => {
    loadCallModule().then(
      (lk) => {
        const idle = state === 'idle' || state === 'ended' || state === 'error';
        if (!livekitUrl || !idle) return;
        // A warm connection idles out; one warmed in the last half minute is still good.
        if (prepared?.url === livekitUrl && performance.now() - prepared.at < 30_000) return;
        const room = lk.prepare(livekitUrl, prepared?.url === livekitUrl ? prepared.room : undefined);
        prepared = { url: livekitUrl, room, at: performance.now() };
      },
      () => {},
    );
  };
  /** The room warmed for `url`, or a new one; a prepared room serves one call. */
  const roomFor = (lk: typeof CallModule, url: string) => {
    const room = prepared?.url === url ? prepared.room : lk.prepare(url);
    prepared = undefined;
    return room;
  };

  const duration = () => {
    const s = Math.floor((Date.now() - startedAt) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };

  function setState(next: State, text: string = STATE_TEXT[next], extra: Record<string, unknown> = {}) {
    state = next;
    host.dataset.state = next;
    status.textContent = text;
    live.textContent = text;
    panel.hidden = next === 'idle';
    launcher.hidden = next !== 'idle';
    const inCall = next === 'in-call' || next === 'reconnecting';
    controls.hidden = !inCall;
    who.hidden = !inCall;
    // After a call the last caption stays readable; an error panel shows only its message.
    talk.hidden = !inCall && !(next === 'ended' && caption.textContent);
    again.textContent = next === 'error' ? 'Try again' : 'Call again';
    after.hidden = next !== 'ended' && next !== 'error';
    if (!inCall && ticker) clearInterval(ticker);
    // No more levels come once the call is over; a dot lit by the last one would stay lit.
    if (!inCall) speaking.classList.remove('on');
    emit('state', { state: next, text, callId: call?.callId, ...extra });
  }

  function fail(code: string) {
    setState('error', errorText(code), { error: code });
    emit('error', { code });
    again.focus();
  }

  function ended(reason: string) {
    if (state === 'error' || state === 'ended') return;
    if (reason === 'connection_lost') return fail('connection_lost');
    setState('ended', `${STATE_TEXT.ended} · ${duration()}`, { reason });
    again.focus();
  }

  async function open() {
    if (state !== 'idle' && state !== 'ended' && state !== 'error') return;
    caption.textContent = '';
    captionLog.textContent = '';
    who.textContent = '';
    call = undefined;
    session = undefined;
    timer.textContent = '0:00';
    pressedAt = performance.now();
    heard = false;
    isSpeaking = speakingIndicator();
    setState('requesting-mic');
    status.focus();
    try {
      const module = loadCallModule().then((lk) => {
        trace('module-ready');
        return lk;
      });
      const mint = () =>
        startCall(api, siteKey, Math.round(performance.now() - pressedAt)).then((c) => {
          trace('call-minted');
          // The call's own answer decides: the site's settings may not have loaded before the
          // press, or may have changed since the page loaded.
          if (c.recording) showNotice(c.recording);
          return c;
        });
      const minted = mint();
      trace('request-sent');
      // Ask for the microphone while the call is minted and the call module loads.
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        for (const t of stream.getTracks()) t.stop();
        trace('mic-granted');
      } catch (err) {
        // A site that cannot take calls at all is the more useful thing to tell the visitor.
        const apiFailure = await minted.then(
          (c) => {
            void endCall(api, c);
            return undefined;
          },
          (e: unknown) => e,
        );
        if (apiFailure instanceof ApiError) return fail(apiFailure.code);
        const name = (err as Error).name;
        return fail(name === 'NotFoundError' || name === 'OverconstrainedError' ? 'no_mic' : 'mic_denied');
      }
      setState('connecting');
      const [lk, first] = await Promise.all([module, minted]);
      let started = first;
      const handlers: CallModule.CallHandlers = {
        onJoinStep: trace,
        onRoomState: (roomState, assistantAway) => {
          // Who the visitor is talking to: the assistant, someone being found, or a person.
          const text = talkingTo(roomState, assistantAway);
          who.textContent = text;
          emit('talking-to', { phase: roomState.phase, text });
        },
        onConnected: () => {
          startedAt = Date.now();
          ticker = setInterval(() => {
            timer.textContent = duration();
          }, 1000);
          trace('mic-live');
          setState('in-call');
          $<HTMLButtonElement>('.hangup').focus();
        },
        onCaption: ({ segment, text, done }) => {
          // The visible caption grows word by word with the voice; a screen reader hears each
          // segment once, when it is over (a live region on the growing text would re-read it
          // after every word, over the assistant's own voice).
          caption.textContent = text;
          if (done) {
            const line = document.createElement('p');
            line.textContent = text;
            captionLog.append(line);
            if (captionLog.childElementCount > 3) captionLog.firstElementChild?.remove();
          }
          emit('caption', { text, segment, final: done });
        },
        onAgentLevel: (level) => {
          speaking.classList.toggle('on', isSpeaking(level, performance.now()));
          if (level > HEARD_LEVEL && !heard) {
            heard = true;
            trace('first-audio');
          }
          emit('level', { level });
        },
        onReconnecting: () => {
          if (state === 'in-call') setState('reconnecting');
        },
        onReconnected: () => {
          if (state === 'reconnecting') setState('in-call');
        },
        onEnded: (reason) => ended(reason),
      };
      for (let attempt = 1; ; attempt++) {
        call = started;
        emit('call', { callId: started.callId });
        try {
          session = await lk.joinCall(
            roomFor(lk, started.livekitUrl),
            started,
            root as unknown as HTMLElement,
            handlers,
          );
          break;
        } catch (err) {
          // A visitor who sat at the microphone prompt past the call's join window finds the call
          // released (missed, its room deleted): that is not their error, so call again, once.
          if (!(err instanceof lk.CallGoneError) || attempt > 1) throw err;
          call = undefined;
          started = await mint();
        }
      }
    } catch (err) {
      // A call that was minted but never joined would otherwise ring until the join window closes.
      if (call) void endCall(api, call);
      if (err instanceof ApiError) return fail(err.code);
      const code = (err as { code?: string }).code;
      return fail(code === 'mic_denied' || code === 'no_mic' ? code : 'voice_unavailable');
    }
  }

  async function close() {
    if (call) void endCall(api, call);
    await session?.hangUp();
    session = undefined;
    if (state === 'in-call' || state === 'connecting' || state === 'reconnecting') ended('hung_up');
  }

  launcher.addEventListener('click', () => void open());
  // Intent: a pointer on its way to press, or keyboard focus, comes a few hundred ms before the press.
  for (const button of [launcher, again]) {
    for (const type of ['pointerenter', 'pointerdown', 'focus']) button.addEventListener(type, warmUp);
  }
  $<HTMLButtonElement>('.hangup').addEventListener('click', () => void close());
  again.addEventListener('click', () => void open());
  const dismiss = () => {
    setState('idle');
    launcher.focus();
  };
  $<HTMLButtonElement>('.close').addEventListener('click', dismiss);
  // Escape closes a finished panel; during a call it does nothing, so a stray key never hangs up.
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && (state === 'ended' || state === 'error')) dismiss();
  });
  muteButton.addEventListener('click', () => {
    const muted = muteButton.getAttribute('aria-pressed') !== 'true';
    muteButton.setAttribute('aria-pressed', String(muted));
    muteButton.textContent = muted ? 'Unmute' : 'Mute';
    void session?.setMuted(muted);
  });

  // The page's data attributes win over the site's config, and hold even if it never loads.
  const position = (fallback: string) =>
    ['bottom-left', 'bottom-right'].includes(tag.dataset.position ?? '')
      ? (tag.dataset.position as string)
      : fallback;
  const applyTheme = (theme: Partial<SiteConfig['theme']>, siteName?: string) => {
    const label = tag.dataset.label ?? theme.buttonLabel ?? STATE_TEXT.idle;
    launcher.textContent = label;
    if (siteName) launcher.setAttribute('aria-label', `${label}: start a voice call with ${siteName}`);
    host.style.setProperty('--vd-color', tag.dataset.color ?? theme.color ?? '#2563eb');
    host.dataset.position = position(theme.position ?? 'bottom-right');
  };
  // The recording notice: read out with the call button, shown in the call panel.
  const showNotice = (recording: SiteConfig['recording']) => {
    const text = noticeText(recording);
    notice.textContent = text;
    notice.hidden = text === '';
    if (text) launcher.title = text;
    else launcher.removeAttribute('title');
  };
  const applyConfig = (config: SiteConfig) => {
    applyTheme(config.theme, config.name);
    livekitUrl = config.livekitUrl;
    showNotice(config.recording);
  };
  applyTheme({});
  document.body.append(host);
  fetchSiteConfig(api, siteKey).then(
    (config) => {
      applyConfig(config);
      // A visitor who asked to save data downloads the call module only when heading for the button.
      const saveData = (navigator as { connection?: { saveData?: boolean } }).connection?.saveData;
      if (!saveData) whenIdle(warmUp);
    },
    (err: unknown) => {
      emit('error', { code: err instanceof ApiError ? err.code : 'unreachable' });
    },
  );
  setState('idle');

  return {
    open,
    close,
    on(event: string, fn: Listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(fn);
      listeners.set(event, set);
      return () => set.delete(fn);
    },
    get state() {
      return state;
    },
  };
}

if (script) {
  const start = () => {
    (window as unknown as { VoiceDesk: unknown }).VoiceDesk = mountWidget(script);
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
}

import { type JobContext, type VAD, voice } from '@livekit/agents';
import {
  ConnectionState,
  DisconnectReason,
  type RemoteParticipant,
  type Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import {
  type AgentEndCall,
  type AssistantConfig,
  parseRoomState,
  SEQ_BLOCK,
  visitorIdentity,
} from '@voicedesk/core';

/** The ends the assistant causes or sees; a staff end never comes from here. */
type EndReason = AgentEndCall['reason'];

import { fetchAssistantConfig, type InternalApi } from './api-client.ts';
import { ASSISTANT_JOB_ATTRIBUTE, watchForNewerAssistant } from './assistant-claim.ts';
import { attachCallCollector, type CallCollector } from './call-collector.ts';
import { callIdForJob } from './dispatch.ts';
import { askForPerson, saveCallbackRequest } from './escalation-requests.ts';
import { Greeting } from './greeting.ts';
import { GreetingCache } from './greeting-cache.ts';
import { Handoff } from './handoff.ts';
import { IdleWatch } from './idle-watch.ts';
import {
  estimateSpeechMs,
  IDLE_CHECK_IN,
  IDLE_GOODBYE,
  sayExactly,
  TIME_LIMIT_GOODBYE,
} from './instructions.ts';
import { errorFacts, frameworkLogger } from './logger.ts';
import { buildSideStt, buildVoiceModel, SERVER_VAD_SILENCE_MS, type VoiceModel } from './model.ts';
import { Reporter } from './reporter.ts';
import { joinEarly } from './room-join.ts';
import { watchRoomPhase } from './room-phase.ts';
import { attachRoomWitness } from './room-witness.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { SetupTrace } from './setup-trace.ts';
import { SideTranscription } from './side-transcription.ts';
import { SupportAgent } from './support-agent.ts';

/** What prewarm leaves in each job process: the Silero VAD, in pipeline mode only. */
export type JobProcessData = { vad?: VAD };

/** Backstop only: the API ends calls whose visitor never joins (their token expires in 10 min). */
const VISITOR_JOIN_TIMEOUT_MS = 11 * 60_000;
/** Greeting into a room whose visitor has no audio path yet would be half lost. */
const VISITOR_AUDIO_WAIT_MS = 2_000;
/** How long a requested end may take (goodbye playout included) before it is forced. */
const END_GRACE_MS = 20_000;
const FINAL_FLUSH_MS = 10_000;
/**
 * The end request leaves this long before the maximum length, so the API (which counts from
 * both present to the request) stores at most the limit.
 */
const END_REQUEST_MARGIN_MS = 500;
/** A break of the agent's own link this close to a visitor's drop explains the drop. */
const LINK_BREAK_WINDOW_MS = 3_000;
/** Model round trip before a goodbye starts playing. */
const GOODBYE_START_MS = 1_000;
/**
 * Visitors who left on purpose or were removed: the call is over. Any other reason (a signal
 * or connection timeout, a duplicate identity on a full reconnect) may be a dropped connection
 * that comes back.
 */
const FINAL_DISCONNECT_REASONS: readonly DisconnectReason[] = [
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.USER_REJECTED,
];

function hasAudio(participant: RemoteParticipant | undefined): boolean {
  if (!participant) return false;
  return [...participant.trackPublications.values()].some((p) => p.kind === TrackKind.KIND_AUDIO && p.track);
}

function waitForVisitorAudio(room: Room, identity: string, timeoutMs: number): Promise<void> {
  if (hasAudio(room.remoteParticipants.get(identity))) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      room.off(RoomEvent.TrackSubscribed, onTrack);
      room.off(RoomEvent.Disconnected, done);
      resolve();
    };
    const onTrack = (_track: unknown, _publication: unknown, participant: RemoteParticipant) => {
      if (participant.identity === identity) done();
    };
    const timer = setTimeout(done, timeoutMs);
    room.on(RoomEvent.TrackSubscribed, onTrack);
    room.on(RoomEvent.Disconnected, done);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Fixed words: read by the TTS in pipeline mode, asked of the model in realtime mode. */
function sayFixed(session: voice.AgentSession, model: VoiceModel, text: string): void {
  if (model.mode === 'pipeline') session.say(text);
  else session.generateReply({ instructions: sayExactly(text) });
}

/**
 * A closing line the visitor cannot talk over. `allowInterruptions: false` is not used: with
 * the Realtime model's server-side turn detection the framework refuses it (it warns and
 * interrupts anyway, because the server cancels the response itself on speech). Detaching the
 * visitor's audio input works in both modes: no speech reaches the model or the VAD, so nothing
 * interrupts; the call ends right after, so nothing is lost but words said over the goodbye.
 */
function sayGoodbye(session: voice.AgentSession, model: VoiceModel, text: string): void {
  holdVisitorInput(session);
  sayFixed(session, model, text);
}

function holdVisitorInput(session: voice.AgentSession): void {
  session.input.setAudioEnabled(false);
}

/**
 * One support call: fetch the site's assistant, join, greet the visitor, report transcript and
 * metrics to the API, and end the job on every way a call can end (visitor leaves, session
 * closes, assistant ends the call, time limit, room deleted) so no job outlives its call.
 */
export async function runJob(ctx: JobContext<JobProcessData>, config: RuntimeConfig): Promise<void> {
  const roomName = ctx.job.room?.name;
  const callId = callIdForJob(ctx.job.metadata, roomName);
  if (!callId) {
    frameworkLogger({ jobId: ctx.job.id }).error(
      { hasMetadata: ctx.job.metadata.length > 0 },
      'dispatch metadata names no valid call for this room, ending the job',
    );
    ctx.shutdown('invalid dispatch metadata');
    return;
  }

  const logger = frameworkLogger({ jobId: ctx.job.id, callId });
  const api: InternalApi = { apiUrl: config.apiUrl, serviceKey: config.internalServiceKey };
  // The reporter names the call in its own log lines.
  const reporter = new Reporter({
    ...api,
    callId,
    spoolDir: config.spoolDir,
    logger: frameworkLogger({ jobId: ctx.job.id }),
  });
  const visitorId = visitorIdentity(callId);
  const trace = new SetupTrace((metric) => reporter.addMetric(metric));
  trace.mark('job');

  let collector: CallCollector | undefined;
  let session: voice.AgentSession | undefined;
  let endReason: EndReason | null = null;
  let finishing = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer: NodeJS.Timeout | undefined) => {
    if (!timer) return;
    clearTimeout(timer);
    timers.delete(timer);
  };
  let idle: IdleWatch | undefined;

  // Runs after the session closed (so its last, possibly interrupted, message is in) and the
  // room is left; bounded, because the job process is killed if shutdown takes too long.
  // Before connecting, so the participants already in the room are reported on connect.
  const witness = attachRoomWitness(ctx.room, reporter);
  ctx.addShutdownCallback(async () => {
    for (const timer of timers) clearTimeout(timer);
    collector?.drain();
    trace.send();
    witness.detach();
    await reporter.close(FINAL_FLUSH_MS);
  });

  const finish = async (why: string): Promise<void> => {
    if (finishing) return;
    finishing = true;
    for (const timer of timers) clearTimeout(timer);
    idle?.stop();
    logger.info({ why, endReason }, 'call finishing');
    if (endReason) {
      // The API records the reason and deletes the room, which disconnects the visitor.
      const acknowledged = await reporter.endCall(endReason);
      // Without the API the visitor would sit in a room nobody answers; the reason stays spooled.
      if (!acknowledged) await ctx.deleteRoom();
    }
    ctx.shutdown(why);
  };

  /** `graceMs` bounds the goodbye's playout; past it the end is forced and the goodbye cut. */
  const requestEnd = (reason: EndReason, graceMs = END_GRACE_MS): void => {
    if (endReason || finishing) return;
    endReason = reason;
    idle?.stop();
    logger.info({ reason, graceMs }, 'ending the call');
    later(graceMs, () => void finish('end grace elapsed'));
    // drain: queued speech (the goodbye) plays out before the session closes.
    if (session) session.shutdown({ drain: true, reason });
    else void finish(reason);
  };

  let reconnectTimer: NodeJS.Timeout | undefined;
  let visitorSeen = false;
  const visitorInRoom = () => ctx.room.remoteParticipants.has(visitorId);
  // When the agent's own link to LiveKit breaks (the server died), the SDK drops everyone with
  // no reason: that is not the visitor's drop, and ending the call as visitor_lost would be a lie.
  // Whether the visitor is really gone is judged once the link is back.
  let linkBrokenAt = 0;
  let linkBroken = false;
  const onLinkBroken = () => {
    linkBrokenAt = Date.now();
    linkBroken = true;
    idle?.visitorPresent(false);
  };
  const onLinkBack = () => {
    if (!linkBroken) return;
    linkBroken = false;
    if (visitorInRoom()) {
      idle?.visitorPresent(true);
    } else if (visitorSeen) {
      // Back in the room (re-created on another node, say) and the visitor is not: they get the
      // same grace as after a drop, counted from now.
      waitForVisitor('visitor not in the room after our own reconnect', Date.now());
    }
  };
  ctx.room.on(RoomEvent.Reconnecting, onLinkBroken);
  ctx.room.on(RoomEvent.Reconnected, onLinkBack);
  ctx.room.on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
    if (state === ConnectionState.CONN_CONNECTED) onLinkBack();
    else onLinkBroken();
  });

  /** The visitor has the reconnect grace to come back; `since`: a link break before it is not theirs. */
  const waitForVisitor = (why: string, since: number) => {
    idle?.visitorPresent(false);
    logger.info(
      { why, graceSeconds: config.visitorReconnectGraceSeconds },
      'waiting for the visitor to come back',
    );
    cancel(reconnectTimer);
    reconnectTimer = later(config.visitorReconnectGraceSeconds * 1000, () => {
      reconnectTimer = undefined;
      if (visitorInRoom()) return;
      const linkHeld = ctx.room.connectionState === ConnectionState.CONN_CONNECTED && linkBrokenAt < since;
      if (!linkHeld) {
        logger.warn({}, 'own connection to LiveKit broke during the wait; judged again when it is back');
        return;
      }
      requestEnd('visitor_lost');
    });
  };

  ctx.room.on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
    if (participant.identity !== visitorId) return;
    const reason = participant.disconnectReason ?? DisconnectReason.UNKNOWN_REASON;
    // No end reason for a hang-up: the API decides visitor_hung_up from LiveKit's webhook.
    if (FINAL_DISCONNECT_REASONS.includes(reason)) {
      void finish(`visitor left: ${DisconnectReason[reason]}`);
      return;
    }
    // A full reconnect may announce the new session before the old one's departure.
    if (visitorInRoom() || linkBroken) return;
    waitForVisitor(
      `visitor connection dropped: ${DisconnectReason[reason]}`,
      Date.now() - LINK_BREAK_WINDOW_MS,
    );
  });
  ctx.room.on(RoomEvent.ParticipantConnected, (participant: RemoteParticipant) => {
    if (participant.identity !== visitorId) return;
    trace.mark('visitorJoined');
    visitorSeen = true;
    if (!reconnectTimer) return;
    // The session's room input is bound to the identity and links the new session's microphone
    // by itself; only the wait ends here.
    logger.info({}, 'visitor reconnected');
    cancel(reconnectTimer);
    reconnectTimer = undefined;
    idle?.visitorPresent(true);
  });
  // The room deleted (by the API on any end) or the worker cut off from LiveKit.
  ctx.room.on(RoomEvent.Disconnected, () => void finish('left the room'));

  // The join starts now, beside the settings fetch; the voice session's start (below) waits for
  // it while it connects to the model. The framework's join subscribes to every track: the API's
  // tokens publish microphones only.
  const onJoined = (state: ConnectionState) => {
    if (state !== ConnectionState.CONN_CONNECTED) return;
    ctx.room.off(RoomEvent.ConnectionStateChanged, onJoined);
    trace.mark('connected');
    // Already there: they joined first, and this is when the assistant can know it.
    if (visitorInRoom()) trace.mark('visitorJoined');
  };
  ctx.room.on(RoomEvent.ConnectionStateChanged, onJoined);
  joinEarly(ctx);
  const assistantResult = await fetchAssistantConfig(api, callId, { logger }).then(
    (assistant): { ok: true; assistant: AssistantConfig } => {
      trace.mark('assistant');
      return { ok: true, assistant };
    },
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (!assistantResult.ok) {
    logger.error(errorFacts(assistantResult.error), 'no assistant settings, the call cannot be answered');
    requestEnd('assistant_unavailable');
    return;
  }
  const { assistant } = assistantResult;

  // One assistant per call: see assistant-claim.ts. Published so that an older job stands down.
  const myJob = Math.floor(assistant.seqBase / SEQ_BLOCK) + 1;
  const publishJob = () =>
    void ctx.room.localParticipant
      ?.setAttributes({ [ASSISTANT_JOB_ATTRIBUTE]: String(myJob) })
      .catch((error: unknown) => logger.warn(errorFacts(error), 'could not publish the job number'));
  // A full reconnect is a new session: publish again, so a newer job in the room sees it.
  ctx.room.on(RoomEvent.Reconnected, publishJob);
  const claim = watchForNewerAssistant(ctx.room, myJob, (theirJob) => {
    logger.info({ myJob, theirJob }, 'a newer assistant has taken this call, standing down');
    // No end reason: the call goes on with the other assistant.
    void finish('a newer assistant has taken this call');
  });
  ctx.addShutdownCallback(async () => claim.stop());

  const model = buildVoiceModel(config.voice, assistant, ctx.proc.userData.vad);
  const { aecWarmupMs } = config.voice;
  session = new voice.AgentSession({
    ...model.session,
    // Set only when configured: left unset, the framework picks its warm-up by who the visitor is.
    ...(aecWarmupMs === undefined ? {} : { aecWarmupDuration: aecWarmupMs }),
  });
  const startedSession = session;
  collector = attachCallCollector(session, {
    reporter,
    mode: model.mode,
    source: model.source,
    language: assistant.language,
    serverVadSilenceMs: SERVER_VAD_SILENCE_MS,
    firstSeq: assistant.seqBase,
    logger,
  });
  // The voice session cannot go on (its model refused or unreachable). The assistant answering,
  // the call ends with it; while staff hold the call or are awaited, the visitor and staff carry
  // on and the assistant only leaves (lifecycle rule 7: the API sends another, and ends the call
  // if it would fall back to nobody). Ending it then would cut them off for the model's fault.
  const voiceFailed = (): void => {
    if (endReason) return;
    if (parseRoomState(ctx.room.metadata).phase === 'ai') {
      endReason = 'assistant_unavailable';
      return;
    }
    logger.warn({}, 'the voice session failed while staff hold the call or are awaited: leaving it to them');
  };
  session.on(voice.AgentSessionEventTypes.Close, (ev: voice.CloseEvent) => {
    if (ev.reason === voice.CloseReason.ERROR) voiceFailed();
    void finish(`session closed: ${ev.reason}`);
  });
  session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev: voice.AgentStateChangedEvent) => {
    if (ev.newState === 'speaking') trace.mark('firstAudio');
  });
  session.on(voice.AgentSessionEventTypes.Error, (ev: voice.ErrorEvent) => {
    logger.warn({ recoverable: ev.error.recoverable, type: ev.error.type }, 'voice session error');
  });

  const trySay = (what: string, say: () => void) => {
    try {
      say();
    } catch (error) {
      logger.warn(errorFacts(error), `could not say the ${what}`);
    }
  };

  // Staff, and the visitor while staff hold the call, are transcribed outside the session.
  let handoff: Handoff | undefined;
  const side = new SideTranscription({
    room: ctx.room,
    visitorIdentity: visitorId,
    stt: buildSideStt(config.voice, assistant),
    onSpeech: (speech) => {
      collector?.heard(speech);
      handoff?.heard(speech);
    },
    logger,
  });
  ctx.addShutdownCallback(() => side.close());
  const agent = new SupportAgent(assistant, {
    endCall: {
      onGoodbye: () => holdVisitorInput(startedSession),
      onEndCall: () => requestEnd('assistant_ended'),
    },
    transfer: {
      askForPerson: (reason) =>
        handoff ? handoff.askForPerson(reason) : Promise.resolve({ kind: 'failed' as const }),
    },
    callback: {
      saveCallback: (details) => saveCallbackRequest(api, callId, details, logger),
      onGoodbye: () => holdVisitorInput(startedSession),
      onEndCall: () => requestEnd('callback_requested'),
    },
  });
  // Staff hold the call: idle silence is theirs, and the time limit waits for the assistant's turn.
  let held = false;
  let limitReached = false;
  const onHold = (isHeld: boolean) => {
    held = isHeld;
    idle?.hold(isHeld);
    if (isHeld || !limitReached || endReason || finishing) return;
    trySay('time limit goodbye', () => sayGoodbye(startedSession, model, TIME_LIMIT_GOODBYE));
    requestEnd('max_duration', END_GRACE_MS);
  };
  handoff = new Handoff({
    session: startedSession,
    agent,
    side,
    askForPerson: (reason) => askForPerson(api, callId, reason, logger),
    onHold,
    ending: () => endReason !== null || finishing || limitReached,
    logger,
  });
  const phases = handoff;
  const greeting = new Greeting({
    session: startedSession,
    agent,
    model,
    assistant,
    modelName:
      model.mode === 'pipeline' ? config.voice.ttsModel : (assistant.model ?? config.voice.realtimeModel),
    cache: new GreetingCache(config.greetingCacheDir),
    logger,
  });
  ctx.addShutdownCallback(() => greeting.close());
  startedSession.on(voice.AgentSessionEventTypes.SpeechCreated, (ev: voice.SpeechCreatedEvent) =>
    phases.speechCreated(ev.speechHandle),
  );

  try {
    await session.start({
      agent,
      room: ctx.room,
      // Audio from the visitor only: no typed input (it would bypass the transcript) and no
      // staff or recorder audio as the assistant's input. closeOnDisconnect off: the job tells a
      // hang-up from a dropped connection, which gets a reconnect grace (the framework's room
      // input relinks the same identity when it comes back).
      inputOptions: { participantIdentity: visitorId, textEnabled: false, closeOnDisconnect: false },
      // Never LiveKit Cloud recording: the platform records calls itself.
      record: false,
    });
  } catch (error) {
    logger.error(errorFacts(error), 'voice session failed to start');
    voiceFailed();
    await finish('session start failed');
    return;
  }
  trace.mark('session');
  publishJob();

  // The phase the API wrote into the room (a restarted job may join a call staff already hold).
  const phaseWatch = watchRoomPhase(ctx.room, (state, initial) => void phases.apply(state, initial));
  ctx.addShutdownCallback(async () => phaseWatch.stop());

  const visitor = await withTimeout(ctx.waitForParticipant(visitorId), VISITOR_JOIN_TIMEOUT_MS).catch(
    () => null, // the room went away while waiting: the job is already closing
  );
  if (visitor === null || finishing) return;
  if (visitor === 'timeout') {
    logger.warn({}, 'visitor never joined');
    await finish('visitor never joined');
    return;
  }
  visitorSeen = true;
  // The API counts the call's length from here (assistant and visitor both present).
  const bothPresentAt = Date.now();

  // Timed from the limit backwards: the goodbye starts early enough to be heard before it, and
  // the end request leaves by the limit whatever the goodbye's state.
  const endBy = bothPresentAt + assistant.maxCallSeconds * 1000 - END_REQUEST_MARGIN_MS;
  const goodbyeLeadMs = estimateSpeechMs(TIME_LIMIT_GOODBYE) + GOODBYE_START_MS;
  later(Math.max(0, endBy - goodbyeLeadMs - Date.now()), () => {
    logger.info({ maxCallSeconds: assistant.maxCallSeconds }, 'call nearing its maximum length');
    if (endReason || finishing) return;
    if (held) {
      // The limit is the assistant's: a staff member is not cut off mid-sentence. The goodbye
      // comes when the call is handed back.
      limitReached = true;
      return;
    }
    trySay('time limit goodbye', () => sayGoodbye(startedSession, model, TIME_LIMIT_GOODBYE));
    requestEnd('max_duration', Math.max(0, endBy - Date.now()));
  });

  await waitForVisitorAudio(ctx.room, visitorId, VISITOR_AUDIO_WAIT_MS);
  if (finishing) return;
  trace.mark('visitorAudio');
  // A resumed call (another assistant served it before this job) carries on without a second
  // greeting: the visitor is mid-conversation, and the history is already in the context.
  // Nor while staff hold the call (a job restarted mid hand-off).
  if (!assistant.resumed && !phases.quiet) {
    trace.mark('greeting');
    trace.greetingFrom(await greeting.say());
  }
  logger.info(
    {
      mode: model.mode,
      maxCallSeconds: assistant.maxCallSeconds,
      idleSeconds: assistant.idleSeconds,
      resumed: assistant.resumed,
    },
    assistant.resumed ? 'visitor joined, resuming the call' : 'visitor joined, greeting',
  );

  // Counted from the greeting on: the wait for the visitor's microphone is not their silence.
  idle = new IdleWatch(assistant.idleSeconds * 1000, (step) => {
    if (endReason || finishing) return;
    logger.info({ step, idleSeconds: assistant.idleSeconds }, 'nobody spoke for the idle limit');
    if (step === 'check_in') {
      trySay('idle check-in', () => sayFixed(startedSession, model, IDLE_CHECK_IN));
      return;
    }
    trySay('idle goodbye', () => sayGoodbye(startedSession, model, IDLE_GOODBYE));
    requestEnd('idle');
  });
  const watch = idle;
  watch.hold(held);
  startedSession.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev: voice.AgentStateChangedEvent) =>
    watch.agentState(ev.newState),
  );
  startedSession.on(voice.AgentSessionEventTypes.UserStateChanged, (ev: voice.UserStateChangedEvent) =>
    watch.userState(ev.newState),
  );
  watch.agentState(startedSession.agentState);
  watch.userState(startedSession.userState);
  watch.visitorPresent(visitorInRoom());
}

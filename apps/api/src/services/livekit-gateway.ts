import { createHash } from 'node:crypto';
import {
  CreateRoomRequest,
  EncodedFileOutput,
  EncodedFileType,
  ParticipantInfo_Kind,
  RoomAgentDispatch,
  S3Upload,
} from '@livekit/protocol';
import {
  AccessToken,
  AgentDispatchClient,
  EgressClient,
  RoomServiceClient,
  TokenVerifier,
  TrackSource,
  TwirpError,
  WebhookEvent,
} from 'livekit-server-sdk';
import { createTwirpClient } from './livekit-twirp.ts';

export interface VisitorGrant {
  roomName: string;
  identity: string;
  name: string | undefined;
  ttlSeconds: number;
}

export interface LivekitGateway {
  publicUrl: string;
  /** Creates the room with the agent dispatch in the same request: one round trip at mint time. */
  createCallRoom(
    roomName: string,
    opts: { emptyTimeoutSeconds: number; agentName: string; dispatchMetadata: string },
  ): Promise<void>;
  deleteRoom(roomName: string): Promise<void>;
  /** The room's agent dispatches, or null when the media server has no such room; rejects when it cannot be asked. */
  agentDispatches(roomName: string): Promise<AgentDispatchState[] | null>;
  /** One more dispatch of the agent into an existing room (it never creates the room). */
  dispatchAgent(roomName: string, opts: { agentName: string; dispatchMetadata: string }): Promise<void>;
  /** Which of these rooms the media server holds now; rejects when it cannot be asked. */
  existingRooms(roomNames: string[]): Promise<Set<string>>;
  /** Who is in the room now, or null when the media server has no such room; rejects when it cannot be asked. */
  roomParticipants(roomName: string): Promise<RoomParticipant[] | null>;
  /** What the room's participants read as its state (the API's RoomState JSON); rejects when it cannot be written. */
  setRoomMetadata(roomName: string, metadata: string): Promise<void>;
  /** Sends one participant out of the room; resolves when it is gone (or was never there). */
  removeParticipant(roomName: string, identity: string): Promise<void>;
  mintVisitorToken(grant: VisitorGrant): Promise<string>;
  /** A staff member who accepted an escalation: this one room, microphone and listening only. */
  mintStaffToken(grant: VisitorGrant): Promise<string>;
  /** Hidden and subscribe-only: the built-in recorder hears everyone and nobody sees it. */
  mintRecorderToken(grant: { roomName: string; identity: string; ttlSeconds: number }): Promise<string>;
  /** An audio-only room composite to S3 as Ogg Opus (LiveKit Egress); resolves to the egress id. */
  startAudioEgress(request: AudioEgressRequest): Promise<string>;
  receiveWebhook(body: string, authorization: string | undefined): Promise<ReceivedWebhook>;
  ping(): Promise<void>;
}

type WebhookJson = Parameters<typeof WebhookEvent.fromJson>[0];

/** A webhook whose signature held: the SDK's typed event, and the JSON LiveKit sent. */
export interface ReceivedWebhook {
  event: WebhookEvent;
  /** The body as parsed, fields newer than the pinned SDK included. */
  sent: unknown;
}

export interface AgentDispatchState {
  agentName: string;
  createdAtMs: number;
  /** Jobs livekit-server handed to a worker for it: none when every worker refused or was full. */
  jobs: number;
}

export interface AudioEgressRequest {
  roomName: string;
  /** The object key the file is written to. */
  filepath: string;
  s3: {
    accessKey: string;
    secret: string;
    region: string;
    endpoint: string;
    bucket: string;
    forcePathStyle: boolean;
  };
}

export interface RoomParticipant {
  sid: string;
  identity: string;
  name: string | undefined;
  isAgent: boolean;
  joinedAtMs: number;
}

/** Visitors, the assistant and at most one staff member and one recorder. */
const MAX_PARTICIPANTS = 4;

function httpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://');
}

/** A node that could not be reached or failed inside (5xx): another node may answer. 4xx answers are final. */
function nodeUnavailable(err: unknown): boolean {
  return !(err instanceof TwirpError) || err.status >= 500;
}

/**
 * Calls LiveKit's room service on one node of a cluster, trying the next node when one cannot
 * answer. Every node serves every room (they share Redis), so any node's answer will do. It starts
 * with the node that answered last, so a dead node costs one refused connection, not one per call.
 */
function nodeFailover<C>(urls: string[], client: (url: string) => C) {
  const clients = urls.map((url) => client(httpUrl(url)));
  let preferred = 0;
  return async function call<T>(op: (client: C) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let n = 0; n < clients.length; n++) {
      const i = (preferred + n) % clients.length;
      try {
        const result = await op(clients[i] as C);
        preferred = i;
        return result;
      } catch (err) {
        if (!nodeUnavailable(err)) {
          preferred = i;
          throw err;
        }
        lastError = err;
      }
    }
    throw lastError;
  };
}

/** LiveKit's answer when the room (or what was asked of it) is not on the server. */
function roomMissing(err: unknown): boolean {
  return /not found|404|does not exist/i.test(String(err));
}

export function createLivekitGateway(opts: {
  /** Every node's URL (one for a single server); each call tries them in turn. */
  urls: string[];
  publicUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Per node and call; a node that hangs instead of refusing costs this much before the next is tried. */
  requestTimeoutSeconds?: number;
}): LivekitGateway {
  const requestTimeout = opts.requestTimeoutSeconds ?? 5;
  const onAnyNode = nodeFailover(
    opts.urls,
    (url) => new RoomServiceClient(url, opts.apiKey, opts.apiSecret, { requestTimeout }),
  );
  // CreateRoom runs on every POST /v1/calls: see livekit-twirp.ts for why it skips the SDK's client.
  const twirpOnAnyNode = nodeFailover(opts.urls, (url) =>
    createTwirpClient(url, { apiKey: opts.apiKey, apiSecret: opts.apiSecret }, requestTimeout * 1000),
  );
  const egressOnAnyNode = nodeFailover(
    opts.urls,
    (url) => new EgressClient(url, opts.apiKey, opts.apiSecret, { requestTimeout }),
  );
  const dispatchOnAnyNode = nodeFailover(
    opts.urls,
    (url) => new AgentDispatchClient(url, opts.apiKey, opts.apiSecret, { requestTimeout }),
  );
  const webhookVerifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
  // One room, listening, and at most the microphone: no data, metadata or admin grant.
  const mintRoomToken = (
    grant: { roomName: string; identity: string; name?: string | undefined; ttlSeconds: number },
    rights: { microphone: boolean; hidden: boolean },
  ) => {
    const token = new AccessToken(opts.apiKey, opts.apiSecret, {
      identity: grant.identity,
      ...(grant.name ? { name: grant.name } : {}),
      ttl: grant.ttlSeconds,
    });
    token.addGrant({
      room: grant.roomName,
      roomJoin: true,
      canPublish: rights.microphone,
      ...(rights.microphone ? { canPublishSources: [TrackSource.MICROPHONE] } : {}),
      canSubscribe: true,
      canPublishData: false,
      canUpdateOwnMetadata: false,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
      hidden: rights.hidden,
    });
    return token.toJwt();
  };

  return {
    publicUrl: opts.publicUrl,
    async createCallRoom(roomName, { emptyTimeoutSeconds, agentName, dispatchMetadata }) {
      const request = new CreateRoomRequest({
        name: roomName,
        emptyTimeout: emptyTimeoutSeconds,
        // A dropped visitor gets a short grace period to come back before the room closes.
        departureTimeout: 20,
        maxParticipants: MAX_PARTICIPANTS,
        agents: [new RoomAgentDispatch({ agentName, metadata: dispatchMetadata })],
      });
      await twirpOnAnyNode((twirp) =>
        twirp.call('RoomService', 'CreateRoom', request.toJson(), { roomCreate: true }),
      );
    },
    async deleteRoom(roomName) {
      try {
        await onAnyNode((rooms) => rooms.deleteRoom(roomName));
      } catch (err) {
        // Already gone is the outcome we wanted.
        if (!roomMissing(err)) throw err;
      }
    },
    async existingRooms(roomNames) {
      const found = await onAnyNode((rooms) => rooms.listRooms(roomNames));
      return new Set(found.map((r) => r.name));
    },
    async roomParticipants(roomName) {
      try {
        const list = await onAnyNode((rooms) => rooms.listParticipants(roomName));
        return list.map((p) => ({
          sid: p.sid,
          identity: p.identity,
          name: p.name || undefined,
          isAgent: p.kind === ParticipantInfo_Kind.AGENT,
          joinedAtMs: Number(p.joinedAtMs) || Number(p.joinedAt) * 1000,
        }));
      } catch (err) {
        if (roomMissing(err)) return null;
        throw err;
      }
    },
    async agentDispatches(roomName) {
      try {
        const list = await dispatchOnAnyNode((dispatches) => dispatches.listDispatch(roomName));
        return list.map((d) => ({
          agentName: d.agentName,
          // Nanoseconds since the epoch, as livekit-server stamps a dispatch.
          createdAtMs: Number((d.state?.createdAt ?? 0n) / 1_000_000n),
          jobs: d.state?.jobs.length ?? 0,
        }));
      } catch (err) {
        if (roomMissing(err)) return null;
        throw err;
      }
    },
    async dispatchAgent(roomName, { agentName, dispatchMetadata }) {
      await dispatchOnAnyNode((dispatches) =>
        dispatches.createDispatch(roomName, agentName, { metadata: dispatchMetadata }),
      );
    },
    async setRoomMetadata(roomName, metadata) {
      await onAnyNode((rooms) => rooms.updateRoomMetadata(roomName, metadata));
    },
    async removeParticipant(roomName, identity) {
      try {
        await onAnyNode((rooms) => rooms.removeParticipant(roomName, identity));
      } catch (err) {
        // Already gone (left, or the room closed) is the outcome we wanted.
        if (!roomMissing(err)) throw err;
      }
    },
    // A visitor and the staff member who takes the call get the same rights.
    mintVisitorToken: (params) => mintRoomToken(params, { microphone: true, hidden: false }),
    mintStaffToken: (params) => mintRoomToken(params, { microphone: true, hidden: false }),
    // Not shown to the visitor or the assistant, not counted as a caller: it only listens.
    mintRecorderToken: (params) => mintRoomToken(params, { microphone: false, hidden: true }),
    async startAudioEgress({ roomName, filepath, s3 }) {
      const info = await egressOnAnyNode((egress) =>
        egress.startRoomCompositeEgress(
          roomName,
          {
            file: new EncodedFileOutput({
              fileType: EncodedFileType.OGG,
              filepath,
              output: { case: 's3', value: new S3Upload(s3) },
            }),
          },
          { audioOnly: true },
        ),
      );
      return info.egressId;
    },
    async receiveWebhook(body, authorization) {
      // The SDK's WebhookReceiver, but the body's sha256 taken with node:crypto on this thread:
      // the receiver hashes through WebCrypto, an async job that cost about 7 % of the API's
      // CPU under webhook load, more than the hash of a few hundred bytes itself.
      if (!authorization) throw new Error('authorization header is empty');
      const claims = await webhookVerifier.verify(authorization);
      if (claims.sha256 !== createHash('sha256').update(body).digest('base64')) {
        throw new Error('sha256 checksum of body does not match');
      }
      const sent: WebhookJson = JSON.parse(body);
      return { event: WebhookEvent.fromJson(sent, { ignoreUnknownFields: true }), sent };
    },
    async ping() {
      await onAnyNode((rooms) => rooms.listRooms(['voicedesk-readiness-probe']));
    },
  };
}

import { join } from 'node:path';
import { startTcpBalancer, type TcpBalancer } from './balancer.ts';
import { type LivekitServer, type LivekitServerOptions, startLivekitServer } from './livekit-process.ts';
import { type RedisServer, startRedisServer } from './redis.ts';

export interface LivekitCluster {
  redis: RedisServer;
  nodes: LivekitServer[];
  /** One loopback URL in front of every node (`ws://…`): what clients and workers use. */
  url: string;
  balancer: TcpBalancer;
  apiKey: string;
  apiSecret: string;
  /** The node hosting a room now, as Redis records it (it keeps naming a node after it died). */
  roomNode(roomName: string): Promise<LivekitServer | undefined>;
  stop(): Promise<void>;
}

/**
 * N livekit-server processes on loopback sharing one Redis: each node has its own signal port,
 * ICE/TCP port and UDP media port, advertises 127.0.0.1, and has the same keys, webhook URLs and
 * room settings (`auto_create: false`) as the single-node launcher. A TCP balancer gives them one URL.
 */
export async function startLivekitCluster(
  opts: Omit<LivekitServerOptions, 'port' | 'redisAddress' | 'rtcTcpPort' | 'rtcUdpPort' | 'logFile'> & {
    nodes?: number;
    logDir?: string;
  },
): Promise<LivekitCluster> {
  const { nodes: count = 2, logDir, ...nodeOpts } = opts;
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const redis = await startRedisServer(logDir ? { logFile: join(logDir, 'redis.log') } : {});
    started.push(redis);
    const nodes: LivekitServer[] = [];
    // One at a time: two nodes registering at once on a 2-core host is slower than in turn.
    for (let i = 0; i < count; i++) {
      const node = await startLivekitServer({
        ...nodeOpts,
        redisAddress: redis.address,
        ...(logDir ? { logFile: join(logDir, `livekit-${i}.log`) } : {}),
      });
      started.push(node);
      nodes.push(node);
    }
    const first = nodes[0];
    if (!first) throw new Error('a LiveKit cluster needs at least one node');
    const balancer = await startTcpBalancer({ upstreams: nodes.map((n) => `127.0.0.1:${n.port}`) });
    return {
      redis,
      nodes,
      url: `ws://127.0.0.1:${balancer.port}`,
      balancer,
      apiKey: first.apiKey,
      apiSecret: first.apiSecret,
      async roomNode(roomName) {
        // livekit-server keeps this hash (room name → node id) in Redis; seen in v1.13.5.
        const nodeId = await redis.command('HGET', 'room_node_map', roomName);
        return nodes.find((n) => n.nodeId === nodeId);
      },
      async stop() {
        await balancer.close();
        await Promise.all(nodes.map((n) => n.stop()));
        await redis.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw err;
  }
}

import { callParticipants, type Db, voiceCalls } from '@voicedesk/db';
import { and, eq, notExists, type SQL } from 'drizzle-orm';

/** For a query over `voice_calls`: no assistant has ever joined the call. */
export function noAssistantJoined(db: Db): SQL {
  return notExists(
    db
      .select({ id: callParticipants.id })
      .from(callParticipants)
      .where(and(eq(callParticipants.callId, voiceCalls.id), eq(callParticipants.kind, 'ai'))),
  );
}

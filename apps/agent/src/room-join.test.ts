import { describe, expect, it } from 'vitest';
import { joinEarly } from './room-join.ts';

/** A job context whose joins are counted and settle when the test says. */
function joinableRoom() {
  let joins = 0;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ctx = {
    connect: () => {
      joins++;
      return new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
    },
  };
  return { ctx, joins: () => joins, settle: () => settle };
}

describe('joining the room while the settings are fetched', () => {
  it("starts the join at once, and the session's own connect waits for it instead of joining again", async () => {
    const room = joinableRoom();
    const joining = joinEarly(room.ctx);
    expect(room.joins()).toBe(1);

    let sessionJoined = false;
    const sessionConnect = room.ctx.connect().then(() => {
      sessionJoined = true;
    });
    expect(room.joins()).toBe(1);
    await Promise.resolve();
    expect(sessionJoined).toBe(false);

    room.settle()?.resolve();
    await Promise.all([joining, sessionConnect]);
    expect(sessionJoined).toBe(true);
    expect(room.joins()).toBe(1);
  });

  it("hands a failed join to the session's start, where the job ends the call", async () => {
    const room = joinableRoom();
    joinEarly(room.ctx);
    room.settle()?.reject(new Error('requested room does not exist'));
    await expect(room.ctx.connect()).rejects.toThrow('requested room does not exist');
  });

  it('leaves no unhandled rejection when the job ends before its session starts', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const room = joinableRoom();
      joinEarly(room.ctx);
      room.settle()?.reject(new Error('job ended'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

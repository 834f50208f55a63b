import { describe, expect, it } from 'vitest';
import { Admission } from './admission.ts';

const none = new Set<string>();

describe('Admission', () => {
  it('takes a burst of requests up to the maximum before any of them is running', () => {
    const admission = new Admission(2);
    expect(admission.admit('AJ_1', none, 0)).toBe(true);
    expect(admission.admit('AJ_2', none, 10)).toBe(true);
    expect(admission.admit('AJ_3', none, 20)).toBe(false);
  });

  it('counts a job once when it is both accepted and running, and frees its slot when it ends', () => {
    const admission = new Admission(2);
    admission.admit('AJ_1', none, 0);
    admission.admit('AJ_2', none, 0);
    expect(admission.admit('AJ_3', new Set(['AJ_1', 'AJ_2']), 1_000)).toBe(false);
    expect(admission.admit('AJ_3', new Set(['AJ_2']), 2_000)).toBe(true);
  });

  it('counts jobs the worker runs from before it was asked, such as a resumed call', () => {
    const admission = new Admission(2);
    expect(admission.admit('AJ_3', new Set(['AJ_1', 'AJ_2']), 0)).toBe(false);
  });

  it('lets go of an accepted job that never started once the grace is over', () => {
    const admission = new Admission(1, 5_000);
    admission.admit('AJ_1', none, 0);
    expect(admission.admit('AJ_2', none, 4_999)).toBe(false);
    expect(admission.admit('AJ_2', none, 5_000)).toBe(true);
  });

  it('frees the slot of a job that started and ended between two requests, once seen running', () => {
    const admission = new Admission(1);
    admission.admit('AJ_1', none, 0);
    admission.observe(new Set(['AJ_1']), 500);
    expect(admission.admit('AJ_2', none, 2_000)).toBe(true);
  });
});

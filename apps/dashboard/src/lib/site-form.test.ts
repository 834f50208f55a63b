import { describe, expect, it } from 'vitest';
import type { Site } from '../api/types.ts';
import { toChange, toForm } from './site-form.ts';

const site = {
  id: '01900000-0000-7000-8000-000000000001',
  publicKey: 'pk_test_123',
  name: 'Shop',
  allowedOrigins: ['https://shop.example.com'],
  instructions: 'Help with orders.',
  greeting: 'Hi!',
  voice: 'alloy',
  language: 'en',
  model: null,
  maxCallSeconds: 900,
  idleTimeoutSeconds: 30,
  maxPendingCalls: 20,
  maxActiveCalls: 50,
  businessHours: null,
  escalationEnabled: true,
  offerSeconds: null,
  recordingEnabled: true,
  recordingNotice: null,
  retentionDays: null,
  theme: { buttonLabel: 'Talk to support', color: '#2563eb', position: 'bottom-right' },
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
} satisfies Site;

describe('the site settings form', () => {
  it('shows a site without its own offer time as an empty field, and saves it back as the default (null)', () => {
    const form = toForm(site);
    expect(form.offerSeconds).toBe('');
    expect(toChange(form, false)).toMatchObject({ offerSeconds: null });
  });

  it("shows and saves a site's own offer time in seconds", () => {
    const form = toForm({ ...site, offerSeconds: 45 });
    expect(form.offerSeconds).toBe('45');
    expect(toChange({ ...form, offerSeconds: ' 90 ' }, false)).toMatchObject({ offerSeconds: 90 });
  });

  it('gives a new site the default offer time unless one is typed', () => {
    expect(toChange({ ...toForm(undefined), name: 'New' }, true)).toMatchObject({ offerSeconds: null });
  });
});

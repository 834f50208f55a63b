import type { AssistantConfig } from '@voicedesk/core';

/** A site's assistant settings as the API hands them to a job, for tests that need a whole one. */
export function testAssistant(overrides: Partial<AssistantConfig> = {}): AssistantConfig {
  return {
    callId: '018f0000-0000-7000-8000-000000000000',
    siteId: 'site_1',
    instructions: 'You help customers of Acme Bikes with orders and repairs.',
    greeting: 'Hi, this is Acme Bikes!',
    voice: 'marin',
    language: 'en',
    model: null,
    maxCallSeconds: 600,
    idleSeconds: 30,
    seqBase: 0,
    resumed: false,
    history: [],
    callerName: null,
    ...overrides,
  };
}

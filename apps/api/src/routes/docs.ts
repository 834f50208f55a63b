import { swaggerUI } from '@hono/swagger-ui';
import { definePlainRoute } from './define.ts';
import { publicRoute } from './guards.ts';

export const openApiDocumentEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/v1/openapi.json',
  mount: (app, guard) => {
    app.use('/v1/openapi.json', guard.middleware);
    app.doc31('/v1/openapi.json', {
      openapi: '3.1.0',
      info: { title: 'VoiceDesk API', version: '0.1.0', description: 'Self-hosted AI voice support.' },
    });
  },
});

export const docsPageEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/docs',
  mount: (app, guard) => app.get('/docs', guard.middleware, swaggerUI({ url: '/v1/openapi.json' })),
});

/**
 * The OpenAPI document as a browsable page at /docs (Swagger UI, served from the
 * `@fastify/swagger-ui` package: no script, style or font from outside, and a Content Security
 * Policy that lets the browser load nothing but this service). Open without a token, like
 * /openapi.json; trying a protected operation from the page asks for the API token.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const DOCS_PATH = '/docs';

/** Everything the page needs is served from here; inline styles are Swagger UI's own. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `@fastify/swagger-ui` reads the document from `@fastify/swagger`'s `swagger()`; this stands in
 * for it with the document the service generates from its own route schemas.
 */
const documentSource = fp(
  async (app: FastifyInstance, options: { openapi: () => unknown }) => {
    app.decorate('swagger', options.openapi);
  },
  { name: '@fastify/swagger', fastify: '5.x' },
);

export async function registerDocs(app: FastifyInstance, openapi: () => unknown): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(documentSource, { openapi });
    await scope.register(swaggerUi, {
      routePrefix: DOCS_PATH,
      staticCSP: DOCS_CSP,
      // No call to the public validator (Swagger UI's default is validator.swagger.io).
      validatorUrl: false,
      theme: { title: 'ncp-cache-export API' },
      uiConfig: { deepLinking: true, tryItOutEnabled: false },
    });
  });
}

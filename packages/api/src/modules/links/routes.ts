import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { problemSchema } from '../../http/errors';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, timestampSchema } from '../../http/schemas';
import { createLink, followLink, getLink, type Link, listLinks, updateLink } from './service';
import { LINK_STATUSES } from './tables';

const codeInput = z
  .string()
  .regex(/^[A-Za-z0-9_-]{3,64}$/, 'Letters, digits, - and _; 3 to 64 characters')
  .describe('Your own code (unique in the tenant); omitted: 8 random characters.');

const linkSchema = z
  .object({
    id: z.string(),
    object: z.literal('link'),
    code: z.string(),
    promoter_id: z.string(),
    store_id: z.string().describe('Where the buyer lands.'),
    product_id: z.string().nullable().describe('The product page the buyer lands on, if any.'),
    campaign: z.string().nullable(),
    status: z.enum(LINK_STATUSES),
    click_count: z.number().int(),
    share_path: z.string().describe('The public redirect, `/r/{tenant_id}/{code}`: no key needed.'),
    share_url: z
      .string()
      .nullable()
      .describe('`share_path` on the API’s public URL (PUBLIC_URL), when the server knows it.'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Link' });

const AUTH = {
  read: { auth: ['secret', 'promoter'], scope: 'links:read' },
  write: { auth: ['secret', 'promoter'], scope: 'links:write' },
} as const;

export const linkRoutes: FastifyPluginAsyncZod<{ publicUrl?: string | undefined }> = async (app, opts) => {
  const publicUrl = opts.publicUrl?.replace(/\/$/, '');
  const withUrl = (link: Link) => ({
    ...link,
    share_url: publicUrl ? `${publicUrl}${link.share_path}` : null,
  });

  app.post(
    '/v1/links',
    {
      schema: {
        operationId: 'createLink',
        tags: ['Links'],
        summary: 'Create a tracking link (推广位)',
        description:
          "A code a promoter shares, optionally for one product or a campaign. With a promoter token the link is the promoter's own, and a shopkeeper's link defaults to its store. The store needs `settings.url` (or a custom domain) to send buyers to.",
        body: z.strictObject({
          promoter_id: z.string().max(64).optional().describe('Required with a secret key.'),
          store_id: z.string().max(64).optional(),
          product_id: z.string().max(64).optional(),
          campaign: z.string().trim().min(1).max(100).optional(),
          code: codeInput.optional(),
        }),
        response: { 201: linkSchema },
      },
      config: AUTH.write,
    },
    async (request, reply) =>
      reply.code(201).send(withUrl(await createLink(tenantCtx(request), request.body))),
  );

  app.get(
    '/v1/links',
    {
      schema: {
        operationId: 'listLinks',
        tags: ['Links'],
        summary: 'List tracking links',
        description: "A promoter token sees only the promoter's own links.",
        querystring: listQuerySchema.extend({
          promoter_id: z.string().max(64).optional(),
          store_id: z.string().max(64).optional(),
          product_id: z.string().max(64).optional(),
          campaign: z.string().max(100).optional(),
          status: z.enum(LINK_STATUSES).optional(),
          code: z.string().max(64).optional(),
        }),
        response: { 200: listOf(linkSchema) },
      },
      config: AUTH.read,
    },
    async (request) => {
      const page = await listLinks(tenantCtx(request), request.query);
      return { ...page, data: page.data.map(withUrl) };
    },
  );

  app.get(
    '/v1/links/:id',
    {
      schema: {
        operationId: 'getLink',
        tags: ['Links'],
        summary: 'Retrieve a tracking link',
        params: idParams('link'),
        response: { 200: linkSchema },
      },
      config: AUTH.read,
    },
    async (request) => withUrl(await getLink(tenantCtx(request), request.params.id)),
  );

  app.patch(
    '/v1/links/:id',
    {
      schema: {
        operationId: 'updateLink',
        tags: ['Links'],
        summary: 'Disable or re-enable a link, or change its campaign',
        description: 'A disabled link no longer redirects (404) and attributes no order.',
        params: idParams('link'),
        body: z.strictObject({
          status: z.enum(LINK_STATUSES).optional(),
          campaign: z.string().trim().min(1).max(100).nullable().optional(),
        }),
        response: { 200: linkSchema },
      },
      config: AUTH.write,
    },
    async (request) => withUrl(await updateLink(tenantCtx(request), request.params.id, request.body)),
  );

  app.get(
    '/r/:tenant_id/:code',
    {
      schema: {
        operationId: 'followLink',
        tags: ['Links'],
        summary: 'Follow a shared link (public)',
        description:
          "No key: this is the URL a promoter shares (e.g. in a WeChat group). Records the click (time, hashed user agent and referrer; never the IP) and answers 302 to the store's URL, on the link's product page (`/products/{product_id}`) if it has one, with `?mj_link=<code>`: the storefront passes the code to the cart or order as `link_code`. Unknown or disabled: 404 `link_not_found`.",
        params: z.object({ tenant_id: z.string().max(256), code: z.string().max(256) }),
        response: {
          302: z.null().describe('Redirect to the store (Location header).'),
          404: problemSchema.describe('`link_not_found`: unknown, disabled or no longer active.'),
        },
      },
      config: { auth: 'public' },
    },
    async (request, reply) => {
      const location = await followLink(
        request.server.db,
        request.server.clock,
        request.params.tenant_id,
        request.params.code,
        { userAgent: request.headers['user-agent'], referrer: request.headers.referer },
      );
      // Every click must reach us to be counted: nothing may cache the redirect.
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(location, 302);
    },
  );
};

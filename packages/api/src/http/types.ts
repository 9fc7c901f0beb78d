import type { Clock } from '../config';
import type { Database } from '../db/client';
import type { AuthRule, Principal, Scope } from '../modules/auth/principal';
import type { JobRunner } from '../modules/jobs/runner';
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    clock: Clock;
    /** Background jobs: modules register handlers; tests call `runDue()`. */
    jobs: JobRunner;
    /** Webhook delivery: endpoints' settings for services; tests call `drain()`. */
    webhooks: WebhookDispatcher;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every route that is not public. */
    principal: Principal | undefined;
    /** A secret derived from the presented credential; it encrypts stored idempotent replies. */
    credentialKey: Buffer | undefined;
  }
  interface FastifyContextConfig {
    /** Which principals may call the route; every `/v1` route must say. */
    auth?: AuthRule;
    /** The scope a restricted key needs for this route. */
    scope?: Scope;
  }
}

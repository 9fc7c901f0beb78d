-- Webhook dispatch (modules/webhooks), mirroring 0003: the worker role claims work across
-- tenants and sees only what claiming needs. Payloads and signing secrets are read, and results
-- written, in the tenant's own transaction (withTenant), never by the worker role.
--
-- events: which events still wait to be fanned out (id, type, time), and marking them done.
CREATE POLICY worker_fan_out ON events TO mujiang_worker USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT (tenant_id, id, type, created_at, fanned_out_at), UPDATE (fanned_out_at) ON events TO mujiang_worker;
--> statement-breakpoint
-- webhook_endpoints: which enabled endpoints want an event type. Not the URL, not the secrets.
CREATE POLICY worker_fan_out ON webhook_endpoints FOR SELECT TO mujiang_worker USING (true);
--> statement-breakpoint
GRANT SELECT (tenant_id, id, status, enabled_events, created_at) ON webhook_endpoints TO mujiang_worker;
--> statement-breakpoint
-- webhook_deliveries: the queue itself. Insert (fan-out) and claim (SKIP LOCKED, lease).
CREATE POLICY worker_queue ON webhook_deliveries TO mujiang_worker USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO mujiang_worker;
--> statement-breakpoint
-- Wake the dispatchers (LISTEN mujiang_webhooks) when events commit: NOTIFY is transactional,
-- so the signal arrives exactly when the rows are visible. One per statement, and Postgres
-- folds identical notifications of one transaction into one. Polling stays as the fallback.
CREATE OR REPLACE FUNCTION mujiang_notify_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('mujiang_webhooks', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER events_notify_webhooks AFTER INSERT ON events
  FOR EACH STATEMENT EXECUTE FUNCTION mujiang_notify_webhooks();

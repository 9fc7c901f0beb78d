-- mujiang_worker: the role background workers claim work as. It sees the queue tables across
-- tenants (here: jobs) and nothing else; the work itself runs in a tenant transaction
-- (db/tenancy.ts withWorker / withTenant). Like the other roles: no login, no BYPASSRLS.
DO $$
BEGIN
  CREATE ROLE mujiang_worker NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT mujiang_worker TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO mujiang_worker;
--> statement-breakpoint
CREATE POLICY worker_queue ON jobs TO mujiang_worker USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, UPDATE, DELETE ON jobs TO mujiang_worker;

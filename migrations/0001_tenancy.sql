-- Tenancy enforced inside the database (DESIGN.md §6).
--
-- mujiang_app       tenant transactions: row-level security on every tenant table.
-- mujiang_platform  platform transactions: tenants and partners only; a partner sees its own.
--
-- Neither role can log in, own a table, or bypass RLS. The connecting user switches to one of
-- them per transaction (db/tenancy.ts), so a pooled connection never keeps a tenant.
-- Roles are cluster-wide; creating them must survive other databases having done it first.
DO $$
BEGIN
  BEGIN
    CREATE ROLE mujiang_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE mujiang_platform NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END $$;
--> statement-breakpoint
GRANT mujiang_app TO CURRENT_USER;
--> statement-breakpoint
GRANT mujiang_platform TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO mujiang_app, mujiang_platform;
--> statement-breakpoint
-- Platform tables. A tenant reads its own row (status, settings); the platform reads all; a
-- partner reads and writes only the tenants it created.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_self ON tenants FOR SELECT TO mujiang_app
  USING (id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY platform_or_partner ON tenants TO mujiang_platform
  USING (current_setting('app.platform', true) = 'on' OR partner_id = current_setting('app.partner_id', true))
  WITH CHECK (current_setting('app.platform', true) = 'on' OR partner_id = current_setting('app.partner_id', true));
--> statement-breakpoint
GRANT SELECT ON tenants TO mujiang_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON tenants TO mujiang_platform;
--> statement-breakpoint
ALTER TABLE partners ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE partners FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY platform_or_self ON partners TO mujiang_platform
  USING (current_setting('app.platform', true) = 'on' OR id = current_setting('app.partner_id', true))
  WITH CHECK (current_setting('app.platform', true) = 'on');
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON partners TO mujiang_platform;
--> statement-breakpoint
-- Every table with a tenant_id column is a tenant table: RLS enabled and forced, one policy
-- that admits only the current tenant's rows (reads and writes), and DML for the app role.
-- Run after every migration (db/client.ts), so a new table cannot be left unguarded; the
-- schema test checks the outcome.
CREATE OR REPLACE FUNCTION mujiang_secure_tenant_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.relname);
    IF NOT EXISTS (
      SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = t.relname AND policyname = 'tenant_isolation'
    ) THEN
      EXECUTE format(
        'CREATE POLICY tenant_isolation ON %I TO mujiang_app '
        'USING (tenant_id = current_setting(''app.tenant_id'', true)) '
        'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))',
        t.relname);
    END IF;
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mujiang_app', t.relname);
  END LOOP;
END $$;

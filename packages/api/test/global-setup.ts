import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server's admin URL, when tests run on PostgreSQL. */
    adminUrl: string | undefined;
    /** A migrated database each test file copies (CREATE DATABASE … TEMPLATE). */
    templateDatabase: string | undefined;
  }
}

/**
 * On real PostgreSQL: one migrated template database for this run; each test file then gets
 * its own copy (fast: a file copy, no migrations), so background work one file drives (jobs,
 * webhook deliveries, which are claimed across tenants) never touches another file's data.
 * Everything is dropped at the end. On PGlite each test file migrates its own in-memory database.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    project.provide('adminUrl', undefined);
    project.provide('templateDatabase', undefined);
    return;
  }
  const run = `mujiang_test_${Date.now()}_${process.pid}`;
  const template = `${run}_tpl`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const database = openDatabase({ url: url.toString(), poolMax: 2 });
  await database.migrate();
  await database.close();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', template);
  return async () => {
    // Per-file copies are dropped by their files; drop any a crashed file left behind too.
    const left = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like ${`${run}%`}`;
    for (const { datname } of left) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.end();
  };
}

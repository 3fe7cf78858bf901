/* schema.h — the database schema of the event log, as numbered migrations.
 *
 * A fairq database carries PRAGMA application_id = FQ_SCHEMA_APP_ID (so a
 * foreign SQLite file is recognised and left alone) and PRAGMA user_version =
 * the number of the last migration applied. Migration v runs in one
 * transaction and takes the schema from v-1 to v; fq_store_open applies the
 * missing ones in order. A migration may also need a data step written in C
 * (v2 backfills the derived tables from the events); see store.c.
 *
 * Never edit a released migration: add a new one. docs/storage.md lists them. */
#ifndef FAIRQ_STORE_SCHEMA_H
#define FAIRQ_STORE_SCHEMA_H

#define FQ_SCHEMA_APP_ID 0x66617271 /* "farq" */
#define FQ_SCHEMA_LATEST 2

/* The SQL of migration `version` (1..FQ_SCHEMA_LATEST), NULL otherwise.
 * Constant text: run with sqlite3_exec, never with anything interpolated. */
const char *fq_schema_sql(int version);

#endif

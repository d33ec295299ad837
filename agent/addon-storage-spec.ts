// A PostgreSQL add-on over its plan's storage loses write access, as on Heroku (reads, DELETE,
// TRUNCATE and DROP still work, so its user can get back under), and gets it back once under.
// Applied by the server's own superuser (ADDON_ADMIN_ROLE, peer authentication over the container's
// socket), never by the add-on's user, who is an ordinary role owning its tables:
// - a statement trigger on every table refuses INSERT and UPDATE (COPY, MERGE, views, rules and
//   SECURITY DEFINER functions all reach the table's own trigger);
// - an event trigger refuses every DDL command but DROP (CREATE TABLE/INDEX/SCHEMA/FUNCTION/RULE,
//   SELECT INTO, ALTER TABLE … DISABLE TRIGGER, DROP TRIGGER, GRANT);
// - large-object writes (lo_create, lowrite, …) and temporary tables are revoked from PUBLIC.
// The user owns the tables but not the triggers' functions, the event trigger or their schema,
// and cannot set session_replication_role (superuser only), so none of it can be undone from its
// session; docs/decisions.md has the commands tried. Revoking is idempotent: each call adds the
// trigger to tables that lack it. Pure: the SQL and the exec; addons.ts runs it.
import { ADDON_ADMIN_ROLE } from '../common/addons.js';
import type { AddonWriteAccessReply, AddonWriteAccessRequest } from '../common/protocol.js';

/** The trigger's and the event trigger's name, and their schema. */
export const STORAGE_LIMIT_NAME = 'slipway_storage_limit';
const SCHEMA = 'slipway_storage';

// large-object functions that create or write (lo_import(text) is superuser-only already)
const LARGE_OBJECT_WRITES = 'lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea), lowrite(integer, bytea), lo_put(oid, bigint, bytea)';

export const REVOKE_SQL = `
SET client_min_messages = warning;
SET lock_timeout = '10s';
BEGIN;
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC;
CREATE TABLE IF NOT EXISTS ${SCHEMA}.limit_state (plan text NOT NULL, limit_mb integer NOT NULL, restore_mb integer NOT NULL);
DELETE FROM ${SCHEMA}.limit_state;
INSERT INTO ${SCHEMA}.limit_state VALUES (:'plan', :'limit_mb', :'restore_mb');
-- the one refusal, in words: the plan, its limit, and how to get back under
CREATE OR REPLACE FUNCTION ${SCHEMA}.refuse(what text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
DECLARE s record;
BEGIN
  SELECT * INTO s FROM ${SCHEMA}.limit_state LIMIT 1;
  RAISE EXCEPTION 'write access revoked: the database is over its plan''s storage limit (% MB, %)%', s.limit_mb, s.plan, what
    USING ERRCODE = 'insufficient_privilege',
          HINT = format('Reads, DELETE, TRUNCATE and DROP still work: delete data (then VACUUM) until it holds under %s MB, or upgrade the plan. Write access comes back within minutes.', s.restore_mb);
END $fn$;
CREATE OR REPLACE FUNCTION ${SCHEMA}.refuse_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
BEGIN
  PERFORM ${SCHEMA}.refuse('');
  RETURN NULL;
END $fn$;
CREATE OR REPLACE FUNCTION ${SCHEMA}.refuse_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
BEGIN
  -- the platform's own sessions (the user cannot become a superuser's session: SET SESSION AUTHORIZATION is superuser-only)
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN RETURN; END IF;
  -- dropping frees space; dropping this limit's triggers does not
  IF tg_tag LIKE 'DROP %' AND tg_tag NOT IN ('DROP TRIGGER', 'DROP EVENT TRIGGER') THEN RETURN; END IF;
  PERFORM ${SCHEMA}.refuse(': ' || tg_tag || ' refused');
END $fn$;
REVOKE ALL ON FUNCTION ${SCHEMA}.refuse(text), ${SCHEMA}.refuse_write(), ${SCHEMA}.refuse_ddl() FROM PUBLIC;
DROP EVENT TRIGGER IF EXISTS ${STORAGE_LIMIT_NAME};
CREATE EVENT TRIGGER ${STORAGE_LIMIT_NAME} ON ddl_command_start EXECUTE FUNCTION ${SCHEMA}.refuse_ddl();
DO $do$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${SCHEMA}')
             AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
             AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '${STORAGE_LIMIT_NAME}')
  LOOP
    EXECUTE format('CREATE TRIGGER ${STORAGE_LIMIT_NAME} BEFORE INSERT OR UPDATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_write()', r.rel);
  END LOOP;
END $do$;
REVOKE TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ${LARGE_OBJECT_WRITES} FROM PUBLIC;
COMMIT;
`;

export const RESTORE_SQL = `
SET client_min_messages = warning;
SET lock_timeout = '10s';
BEGIN;
DROP EVENT TRIGGER IF EXISTS ${STORAGE_LIMIT_NAME};
DO $do$
DECLARE r record;
BEGIN
  FOR r IN SELECT t.tgrelid::regclass AS rel FROM pg_trigger t WHERE t.tgname = '${STORAGE_LIMIT_NAME}' LOOP
    EXECUTE format('DROP TRIGGER ${STORAGE_LIMIT_NAME} ON %s', r.rel);
  END LOOP;
END $do$;
DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
GRANT TEMPORARY ON DATABASE :"DBNAME" TO PUBLIC;
GRANT EXECUTE ON FUNCTION ${LARGE_OBJECT_WRITES} TO PUBLIC;
COMMIT;
`;

/** The command that revokes or restores, as the server's superuser in the add-on's database; the
 *  SQL and the plan's words reach psql through the environment (variables, quoted by psql). */
export function writeAccessExec(request: AddonWriteAccessRequest): { argv: string[]; env: Record<string, string> } {
  const script = [
    'set -e',
    'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)',
    `printf '%s\\n' '\\getenv plan ADDON_PLAN' '\\getenv limit_mb ADDON_LIMIT_MB' '\\getenv restore_mb ADDON_RESTORE_MB' "$ADDON_STORAGE_SQL" | "$bin/psql" -X -q -w -v ON_ERROR_STOP=1 "host=/tmp port=$ADDON_PORT dbname=$ADDON_STORAGE_DATABASE user=${ADDON_ADMIN_ROLE}"`,
  ].join('\n');
  return {
    argv: ['/bin/sh', '-c', script],
    env: {
      ADDON_STORAGE_SQL: request.revoke ? REVOKE_SQL : RESTORE_SQL,
      ADDON_STORAGE_DATABASE: request.database,
      ADDON_PLAN: request.plan,
      ADDON_LIMIT_MB: String(request.limitMb),
      ADDON_RESTORE_MB: String(request.restoreBelowMb),
    },
  };
}

/** Pure: psql's failure as the reply says it; a server made before the platform had its own role
 *  in it (its user is the superuser, so no limit could hold) is `unenforceable`. */
export function writeAccessFailure(exitCode: number | null, output: string): AddonWriteAccessReply {
  // such a server asks any socket connection for a password (peer never does; psql -w will not prompt)
  if (/fe_sendauth: no password supplied|role "[a-z_]+" does not exist/.test(output)) {
    return { ok: false, unenforceable: true, error: 'the server was made before the platform kept its own superuser in it (the add-on’s user is the superuser): its storage limit cannot be enforced' };
  }
  return { ok: false, error: `psql exited with ${exitCode}: ${output.trim().split('\n').at(-1) ?? ''}` };
}

// Pure decisions for an add-on's client (Heroku's `pg:psql`, `redis:cli`): which of the app's
// attachments it connects to, and the command a one-off of the add-on's image runs. The command
// holds no user input: the URL is read from the app's config var in the container, the SQL and
// the Redis words come through the environment, so nothing a user types is parsed by a shell.
import type { AddonServiceName } from '../../common/addons.js';
import type { AddonAttachmentRecord, AddonRecord } from '../store/addons.js';

export interface AttachedAddon {
  attachment: Pick<AddonAttachmentRecord, 'name'>;
  addon: Pick<AddonRecord, 'id' | 'name' | 'service'>;
}

/** The attachment `ref` names (an attachment name as DATABASE or DATABASE_URL, an add-on's name or
 *  id) among the app's of `service`; without `ref`, the service's primary one (DATABASE, REDIS),
 *  else the only one. An explanation when there is none, or no way to choose. */
export function chooseAttachment<T extends AttachedAddon>(attached: readonly T[], service: AddonServiceName, primary: string, ref?: string): T | { error: string } {
  const ofService = attached.filter((a) => a.addon.service === service);
  if (ref !== undefined) {
    const wanted = ref.toUpperCase().replace(/_URL$/, '');
    const found = ofService.find((a) => a.attachment.name === wanted || a.addon.name === ref || a.addon.id === ref);
    return found ?? { error: `The app has no ${service} add-on ${JSON.stringify(ref)}${ofService.length > 0 ? `: it has ${ofService.map((a) => a.attachment.name).join(', ')}` : ''}.` };
  }
  if (ofService.length === 0) return { error: `The app has no ${service} add-on attached.` };
  const found = ofService.find((a) => a.attachment.name === primary) ?? (ofService.length === 1 ? ofService[0] : undefined);
  return found ?? { error: `The app has several ${service} add-ons (${ofService.map((a) => a.attachment.name).join(', ')}): name one.` };
}

const VAR = /^[A-Z][A-Z0-9_]*_URL$/;

/** The client's command and the environment it reads its input from. `sql` (`pg:psql -c`) or
 *  `words` (`redis:cli GET key`) make it run once and exit with the client's code; without them
 *  it is the interactive client. */
export function addonClientCommand(service: AddonServiceName, configVar: string, input: { sql?: string; words?: readonly string[] } = {}): { command: string; env: Record<string, string> } {
  if (!VAR.test(configVar)) throw new Error(`not a config var name: ${configVar}`);
  // The password goes from the URL into the client's environment, never its argv (which the
  // host's `ps` shows): our URLs are `scheme://user:password@name:port[/database]`, the
  // password base64url (nothing percent-encoded).
  const split = [`url="$${configVar}"`, 'rest="${url#*://}"', 'creds="${rest%%@*}"', 'where="${rest#*@}"', 'hostport="${where%%/*}"'];
  if (service === 'postgresql') {
    const connect = [...split, 'export PGPASSWORD="${creds#*:}"', 'export PGUSER="${creds%%:*}" PGHOST="${hostport%:*}" PGPORT="${hostport##*:}" PGDATABASE="${where#*/}"', 'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)'];
    if (input.sql === undefined) return { command: [...connect, 'exec "$bin/psql"'].join('\n'), env: {} };
    return { command: [...connect, 'exec "$bin/psql" -X -P pager=off -v ON_ERROR_STOP=1 -c "$SLIPWAY_PSQL_COMMAND"'].join('\n'), env: { SLIPWAY_PSQL_COMMAND: input.sql } };
  }
  const words = input.words ?? [];
  const env = Object.fromEntries(words.map((word, i) => [`SLIPWAY_REDIS_ARG_${i}`, word]));
  const args = words.map((_, i) => ` "$SLIPWAY_REDIS_ARG_${i}"`).join('');
  const connect = [...split, 'export REDISCLI_AUTH="${creds#*:}"'];
  return { command: [...connect, `exec redis-cli --no-auth-warning -h "\${hostport%:*}" -p "\${hostport##*:}"${args}`].join('\n'), env };
}

// Keeps HAProxy's SNI certificates equal to the control plane's: files in the state
// directory (for starts and reloads) and live swaps through the Runtime API.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Logger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import {
  certificateCommands,
  certificatePath,
  parseCertificateRecord,
  planCertificateChanges,
  renderCrtList,
  type CertificateEntry,
} from './certificates.js';
import type { RuntimeApi } from './runtime-api.js';
import type { StatePaths } from './state-paths.js';

export interface CertificateSource {
  readAll(): Promise<Record<string, string>>;
  readOne(hostname: string): Promise<string | null>;
}

export class CertificateSync {
  /** hostname → digest of what HAProxy serves */
  private readonly installed = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private runtime: RuntimeApi | null = null;

  constructor(
    private readonly paths: StatePaths,
    private readonly source: CertificateSource,
    private readonly logger: Logger,
  ) {}

  /** Before HAProxy starts: writes every certificate and the crt-list it loads. */
  async writeInitialFiles(): Promise<void> {
    await mkdir(this.paths.certificatesDir, { recursive: true, mode: 0o700 });
    const desired = this.parseAll(await this.source.readAll());
    for (const entry of desired.values()) {
      await writeFile(certificatePath(this.paths, entry.hostname), entry.pem, { mode: 0o600 });
      this.installed.set(entry.hostname, entry.digest);
    }
    await this.writeCrtList();
  }

  /** From now on changes go to the running HAProxy. */
  attach(runtime: RuntimeApi): void {
    this.runtime = runtime;
  }

  resync(): Promise<void> {
    return this.serialize(async () => this.converge(this.parseAll(await this.source.readAll()), null));
  }

  /** A `certificateChanged` message: that hostname's certificate was set or removed. */
  changed(hostname: string): Promise<void> {
    return this.serialize(async () => {
      const json = await this.source.readOne(hostname);
      const desired = new Map<string, CertificateEntry>();
      if (json !== null) {
        const parsed = parseCertificateRecord(hostname, json);
        if ('problem' in parsed) this.logger.warn({ problem: parsed.problem }, 'unusable certificate');
        else desired.set(parsed.hostname, parsed);
      }
      await this.converge(desired, parsed(hostname));
    });
  }

  private async converge(desired: Map<string, CertificateEntry>, only: string | null): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) throw new Error('certificate sync is not attached to HAProxy yet');
    const installed = only === null ? this.installed : new Map([...this.installed].filter(([h]) => h === only));
    for (const op of planCertificateChanges(desired, installed)) {
      const hostname = op.type === 'remove' ? op.hostname : op.entry.hostname;
      try {
        if (op.type === 'install') await writeFile(certificatePath(this.paths, hostname), op.entry.pem, { mode: 0o600 });
        for (const command of certificateCommands(op, this.paths)) await runtime.run(command);
        if (op.type === 'install') this.installed.set(hostname, op.entry.digest);
        else {
          this.installed.delete(hostname);
          await rm(certificatePath(this.paths, hostname), { force: true });
        }
        this.logger.info({ hostname, action: op.type }, 'certificate updated');
      } catch (err) {
        // Never log the certificate itself: the error names the command only.
        this.logger.warn({ hostname, err: describeError(err) }, 'certificate update failed; the next resync retries');
      }
    }
    await this.writeCrtList();
  }

  private parseAll(records: Record<string, string>): Map<string, CertificateEntry> {
    const desired = new Map<string, CertificateEntry>();
    for (const [hostname, json] of Object.entries(records)) {
      const entry = parseCertificateRecord(hostname, json);
      if ('problem' in entry) this.logger.warn({ problem: entry.problem }, 'unusable certificate');
      else desired.set(entry.hostname, entry);
    }
    return desired;
  }

  private writeCrtList(): Promise<void> {
    return writeFile(this.paths.crtList, renderCrtList(this.paths, this.installed.keys()), { mode: 0o600 });
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work, work);
    this.chain = next.catch((err: unknown) => this.logger.warn({ err: describeError(err) }, 'certificate sync failed'));
    return next;
  }
}

function parsed(hostname: string): string {
  return hostname.trim().toLowerCase().replace(/\.$/, '');
}

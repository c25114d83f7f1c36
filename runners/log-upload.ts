/**
 * `bootwatch ingest --collector URL` as a runner sends: every log spooled first and sent
 * with an Idempotency-Key made from its content and name, so a retry (or `spool flush`)
 * completes a cut-off import instead of storing a second, half boot.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { IngestSink } from '../collector/cli/ingest-command.ts';
import { BootwatchError } from '../common/errors.ts';
import type { BuildInput } from '../common/types/ingest.ts';
import { CollectorClient } from './collector-client.ts';
import type { LogUploadInput } from './spool.ts';

/** The key a log is imported under: the same file, options and bytes always give the same key. */
function logImportKey(bytes: Uint8Array, input: LogUploadInput, buildKey: string | null): string {
  const hash = createHash('sha256')
    .update(bytes)
    .update(JSON.stringify([input.variant, input.target, input.buildId ?? buildKey, !!input.initIsScript]))
    .digest('hex');
  // Printable and at most 200 characters, as the collector requires.
  const name = basename(input.file)
    .replace(/[^\x21-\x7e]/g, '_')
    .slice(0, 120);
  return `log-${hash.slice(0, 40)}-${name}`;
}

/** The ingest sink over a collector's REST API, backed by the runners' spool. */
export class SpooledLogUpload implements IngestSink {
  private readonly client: CollectorClient;
  /** The spool key of the build sent first, for logs sent before its id is known. */
  private buildKey: string | null = null;

  constructor(url: string) {
    let base: string;
    try {
      base = new URL(url).href;
    } catch {
      throw new BootwatchError(
        'input.invalid',
        `--collector must be a URL such as http://127.0.0.1:8080, not "${url}"`,
      );
    }
    this.client = new CollectorClient(base);
  }

  async recordBuild(input: BuildInput): Promise<number | null> {
    const { id, key } = await this.client.postBuild(input);
    this.buildKey = key;
    return id;
  }

  async importLog(bytes: Uint8Array, input: LogUploadInput) {
    const buildKey = input.buildId == null ? this.buildKey : null;
    try {
      return await this.client.importLog(bytes, input, logImportKey(bytes, input, buildKey), buildKey);
    } catch (err) {
      throw new BootwatchError('input.invalid', `${input.file}: ${(err as Error).message}`);
    }
  }

  get awayReason(): string | null {
    return this.client.lastLogError;
  }

  async close(): Promise<void> {}
}

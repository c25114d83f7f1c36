/**
 * The AWS SDK v3 clients an EC2 run uses (EC2, S3, EBS direct). Credentials and endpoints
 * come from the SDK's own default chain and environment (AWS_PROFILE, AWS_ACCESS_KEY_ID,
 * SSO, instance roles, AWS_ENDPOINT_URL...): bootwatch never reads or stores a secret.
 * With `dryRun`, a middleware answers every call with a placeholder and prints it instead.
 */
import { EBSClient } from '@aws-sdk/client-ebs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';

export interface AwsCall {
  service: 'ec2' | 's3' | 'ebs';
  command: string;
  input: Record<string, unknown>;
}

export interface AwsClients {
  ec2: EC2Client;
  s3: S3Client;
  ebs: EBSClient;
  region: string;
  dryRun: boolean;
  destroy(): void;
}

export interface AwsClientOptions {
  region: string;
  dryRun?: boolean;
  /** Every call, before it is sent (dry run: instead of sending it). */
  onCall?: (c: AwsCall) => void;
  /** Throttled calls are retried by the SDK with backoff; a few more tries than its default 3. */
  maxAttempts?: number;
}

/** Placeholder answers that let a dry run walk the whole flow without AWS. */
function dryRunOutput(command: string): Record<string, unknown> {
  const base = { $metadata: { httpStatusCode: 200, requestId: 'dry-run' } };
  const out: Record<string, Record<string, unknown>> = {
    StartSnapshotCommand: { SnapshotId: 'snap-dryrun', BlockSize: 524288, Status: 'pending' },
    PutSnapshotBlockCommand: {},
    CompleteSnapshotCommand: { Status: 'completed' },
    DescribeSnapshotsCommand: {
      Snapshots: [{ SnapshotId: 'snap-dryrun', State: 'completed', Progress: '100%' }],
    },
    ImportSnapshotCommand: { ImportTaskId: 'import-snap-dryrun' },
    DescribeImportSnapshotTasksCommand: {
      ImportSnapshotTasks: [
        {
          ImportTaskId: 'import-snap-dryrun',
          SnapshotTaskDetail: { Status: 'completed', SnapshotId: 'snap-dryrun' },
        },
      ],
    },
    RegisterImageCommand: { ImageId: 'ami-dryrun' },
    DescribeImagesCommand: { Images: [{ ImageId: 'ami-dryrun', State: 'available' }] },
    RunInstancesCommand: { Instances: [{ InstanceId: 'i-dryrun', State: { Name: 'pending' } }] },
    DescribeInstancesCommand: { Reservations: [] },
    GetConsoleOutputCommand: { Output: '' },
    CreateMultipartUploadCommand: { UploadId: 'upload-dryrun' },
    UploadPartCommand: { ETag: '"dryrun"' },
    CompleteMultipartUploadCommand: { ETag: '"dryrun"' },
    PutObjectCommand: { ETag: '"dryrun"' },
    ListObjectsV2Command: { Contents: [] },
    ListMultipartUploadsCommand: { Uploads: [] },
  };
  return { ...base, ...(out[command] ?? {}) };
}

type AnyClient = EC2Client | S3Client | EBSClient;

function instrument(client: AnyClient, service: AwsCall['service'], opts: AwsClientOptions): void {
  const stack = client.middlewareStack as unknown as {
    add: (mw: unknown, o: { step: string; name: string; priority?: string }) => void;
  };
  stack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const command = context.commandName ?? 'unknown';
        opts.onCall?.({ service, command: command.replace(/Command$/, ''), input: args.input });
        // Returning here, before serialization and signing: no credentials, no network.
        if (opts.dryRun) return { output: dryRunOutput(command), response: {} };
        return next(args);
      },
    { step: 'initialize', name: 'bootwatchCallLog', priority: 'high' },
  );
}

/** One set of clients for a region; `destroy()` closes their sockets. */
export function createAwsClients(opts: AwsClientOptions): AwsClients {
  // bootwatch runs on Node 20 by design; the SDK's "upgrade Node" notice would print on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = { region: opts.region, maxAttempts: opts.maxAttempts ?? 8 };
  const ec2 = new EC2Client(common);
  const s3 = new S3Client(common);
  const ebs = new EBSClient(common);
  instrument(ec2, 'ec2', opts);
  instrument(s3, 's3', opts);
  instrument(ebs, 'ebs', opts);
  return {
    ec2,
    s3,
    ebs,
    region: opts.region,
    dryRun: !!opts.dryRun,
    destroy: () => {
      ec2.destroy();
      s3.destroy();
      ebs.destroy();
    },
  };
}

/** The AWS error code (`RequestLimitExceeded`, `InvalidInstanceID.NotFound`...) of a thrown SDK error. */
export function awsErrorCode(err: unknown): string | null {
  const e = err as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? null;
}

/** A one-line, actionable message for an SDK error; credentials problems say where the chain looks. */
export function describeAwsError(err: unknown): string {
  const code = awsErrorCode(err);
  const msg = (err as Error)?.message ?? String(err);
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(msg))
    return `no AWS credentials: bootwatch uses the SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, instance role); ${msg}`;
  return code && !msg.startsWith(code) ? `${code}: ${msg}` : msg;
}

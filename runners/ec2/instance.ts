/** The instance: the max-instances guard, RunInstances with tags, its state, and its console. */
import {
  DescribeInstancesCommand,
  type Filter,
  GetConsoleOutputCommand,
  type Instance,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { BootwatchError } from '../../common/errors.ts';
import { type AwsClients, awsErrorCode } from './aws.ts';
import { type Ledger, TAG } from './ledger.ts';
import type { Ec2Settings } from './settings.ts';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** Every instance matching `filters`, across pages. */
export async function describeInstances(clients: AwsClients, filters: Filter[]): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const r = await clients.ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken: token }));
    for (const res of r.Reservations ?? []) out.push(...(res.Instances ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

/** Guard rail: refuses to start when `maxInstances` bootwatch instances are already alive. */
export async function checkInstanceBudget(clients: AwsClients, max: number): Promise<void> {
  const live = await describeInstances(clients, [
    { Name: `tag:${TAG.managed}`, Values: ['true'] },
    { Name: 'instance-state-name', Values: LIVE_STATES },
  ]);
  if (live.length >= max)
    throw new BootwatchError(
      'harness.failed',
      `ec2: ${live.length} bootwatch instance(s) already alive in ${clients.region} (${live.map((i) => i.InstanceId).join(', ')}), maxInstances is ${max}; wait, raise ec2.maxInstances, or run 'bootwatch ec2 cleanup'`,
    );
}

/** RunInstances: one instance that terminates itself on a guest power-off. */
export async function runInstance(o: {
  clients: AwsClients;
  ledger: Ledger;
  settings: Ec2Settings;
  imageId: string;
}): Promise<string> {
  const { settings: s } = o;
  const tags = o.ledger.tags();
  const r = await o.clients.ec2.send(
    new RunInstancesCommand({
      ImageId: o.imageId,
      InstanceType: s.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: s.subnetId ?? undefined,
      SecurityGroupIds: s.securityGroupIds.length ? s.securityGroupIds : undefined,
      // A guest that powers off stops the bill at once; a crashed bootwatch is caught by cleanup.
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      ClientToken: o.ledger.entry.runId,
    }),
  );
  const id = r.Instances?.[0]?.InstanceId;
  if (!id) throw new BootwatchError('harness.failed', 'RunInstances returned no instance');
  o.ledger.add({ kind: 'instance', id });
  return id;
}

export async function instanceState(clients: AwsClients, id: string): Promise<string | null> {
  const [i] = await describeInstances(clients, [{ Name: 'instance-id', Values: [id] }]);
  return i?.State?.Name ?? null;
}

/** One console window, base64-decoded. `latest` falls back to the buffered console where unsupported (Xen). */
export async function consoleWindow(
  clients: AwsClients,
  id: string,
  latest: { on: boolean },
): Promise<Buffer> {
  try {
    const r = await clients.ec2.send(
      new GetConsoleOutputCommand({ InstanceId: id, Latest: latest.on || undefined }),
    );
    return r.Output ? Buffer.from(r.Output, 'base64') : Buffer.alloc(0);
  } catch (err) {
    const code = awsErrorCode(err);
    if (latest.on && (code === 'UnsupportedOperation' || code === 'InvalidParameterCombination')) {
      latest.on = false;
      return consoleWindow(clients, id, latest);
    }
    throw err;
  }
}

/** What kind of host an instance type runs on, for the boot's `accel`. */
export function hypervisorOf(instanceType: string): 'nitro' | 'xen' {
  return /^(t2|m4|m3|c4|c3|r4|r3|i3|x1|x1e|d2|h1|p2|p3|g3|f1)\./.test(instanceType) &&
    !/^i3en/.test(instanceType)
    ? 'xen'
    : 'nitro';
}

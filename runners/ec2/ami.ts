/** RegisterImage from the snapshot: UEFI boot, ENA, the root on /dev/xvda (NVMe on Nitro); wait until available. */
import { DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { BootwatchError } from '../../common/errors.ts';
import type { AwsClients } from './aws.ts';
import type { Ec2Arch } from './instance-arch.ts';
import type { Ledger } from './ledger.ts';
import { pollUntil } from './poll.ts';

export async function registerImage(o: {
  clients: AwsClients;
  ledger: Ledger;
  snapshotId: string;
  /** The kernel's: EC2 boots an arm64 AMI only on Graviton, an x86_64 one only on Intel/AMD. */
  arch: Ec2Arch;
  name: string;
  description: string;
  pollMs: number;
  signal?: AbortSignal;
}): Promise<string> {
  const r = await o.clients.ec2.send(
    new RegisterImageCommand({
      Name: o.name,
      Description: o.description,
      Architecture: o.arch,
      BootMode: 'uefi',
      EnaSupport: true,
      VirtualizationType: 'hvm',
      RootDeviceName: '/dev/xvda',
      ImdsSupport: 'v2.0',
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { SnapshotId: o.snapshotId, DeleteOnTermination: true, VolumeType: 'gp3' },
        },
      ],
      TagSpecifications: [{ ResourceType: 'image', Tags: o.ledger.tags() }],
    }),
  );
  const imageId = r.ImageId;
  if (!imageId) throw new BootwatchError('harness.failed', 'RegisterImage returned no ImageId');
  o.ledger.add({ kind: 'image', id: imageId });
  await pollUntil(
    `AMI ${imageId}`,
    async () => {
      const d = await o.clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const img = d.Images?.[0];
      if (img?.State === 'failed' || img?.State === 'error')
        throw new BootwatchError(
          'harness.failed',
          `AMI ${imageId} failed: ${img.StateReason?.Message ?? img.State}`,
        );
      return img?.State === 'available' ? true : undefined;
    },
    { intervalMs: o.pollMs, timeoutMs: 30 * 60_000, signal: o.signal },
  );
  return imageId;
}

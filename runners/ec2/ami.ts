/** RegisterImage from the snapshot: UEFI boot, ENA, the root on /dev/xvda (NVMe on Nitro); wait until available. */
import { DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { BootwatchError } from '../../common/errors.ts';
import type { AwsClients } from './aws.ts';
import type { Ledger } from './ledger.ts';
import { pollUntil } from './poll.ts';

export async function registerImage(o: {
  clients: AwsClients;
  ledger: Ledger;
  snapshotId: string;
  name: string;
  description: string;
  pollMs: number;
  signal?: AbortSignal;
}): Promise<string> {
  const r = await o.clients.ec2.send(
    new RegisterImageCommand({
      Name: o.name,
      Description: o.description,
      Architecture: 'x86_64',
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

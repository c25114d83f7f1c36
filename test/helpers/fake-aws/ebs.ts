/** The EBS direct APIs (REST + JSON): StartSnapshot, PutSnapshotBlock, CompleteSnapshot, with EBS's checksum checks. */
import { createHash } from 'node:crypto';
import type { Answer } from './ec2.ts';
import type { FakeAwsState } from './state.ts';

const BLOCK = 512 * 1024;
const json = (status: number, o: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(o),
  headers: { 'content-type': 'application/json', ...headers },
});
const fail = (status: number, type: string, message: string): Answer =>
  json(status, { Message: message }, { 'x-amzn-errortype': type });

export function handleEbs(
  s: FakeAwsState,
  method: string,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): { action: string; answer: Answer } {
  const h = (k: string) => String(headers[k.toLowerCase()] ?? '');
  if (method === 'POST' && url.pathname === '/snapshots') {
    const req = JSON.parse(body.toString() || '{}') as {
      VolumeSize: number;
      Tags?: { Key: string; Value: string }[];
      Description?: string;
    };
    const id = s.id('snap');
    s.snapshots.set(id, {
      id,
      state: 'pending',
      volumeSize: req.VolumeSize,
      tags: req.Tags ?? [],
      blocks: new Map(),
      pendingPolls: s.pendingPolls,
      source: 'ebs',
    });
    return {
      action: 'StartSnapshot',
      answer: json(201, {
        SnapshotId: id,
        Status: 'pending',
        VolumeSize: req.VolumeSize,
        BlockSize: BLOCK,
        Tags: req.Tags ?? [],
        StartTime: Date.now() / 1000,
      }),
    };
  }
  const put = url.pathname.match(/^\/snapshots\/([^/]+)\/blocks\/(\d+)$/);
  if (method === 'PUT' && put) {
    const snap = s.snapshots.get(put[1]);
    if (!snap)
      return {
        action: 'PutSnapshotBlock',
        answer: fail(404, 'ResourceNotFoundException', `snapshot ${put[1]} not found`),
      };
    if (body.length !== BLOCK || Number(h('x-amz-Data-Length')) !== BLOCK)
      return {
        action: 'PutSnapshotBlock',
        answer: fail(400, 'ValidationException', `block must be ${BLOCK} bytes, got ${body.length}`),
      };
    const sum = createHash('sha256').update(body).digest('base64');
    if (h('x-amz-Checksum') !== sum)
      return { action: 'PutSnapshotBlock', answer: fail(400, 'ValidationException', 'INVALID_CHECKSUM') };
    snap.blocks.set(Number(put[2]), Buffer.from(body));
    return {
      action: 'PutSnapshotBlock',
      answer: json(201, {}, { 'x-amz-Checksum': sum, 'x-amz-Checksum-Algorithm': 'SHA256' }),
    };
  }
  const done = url.pathname.match(/^\/snapshots\/completion\/([^/]+)$/);
  if (method === 'POST' && done) {
    const snap = s.snapshots.get(done[1]);
    if (!snap)
      return {
        action: 'CompleteSnapshot',
        answer: fail(404, 'ResourceNotFoundException', `snapshot ${done[1]} not found`),
      };
    if (Number(h('x-amz-ChangedBlocksCount')) !== snap.blocks.size)
      return {
        action: 'CompleteSnapshot',
        answer: fail(
          400,
          'ValidationException',
          `ChangedBlocksCount ${h('x-amz-ChangedBlocksCount')} but ${snap.blocks.size} blocks written`,
        ),
      };
    if (h('x-amz-Checksum')) {
      const order = [...snap.blocks.keys()].sort((a, b) => a - b);
      const agg = createHash('sha256')
        .update(Buffer.concat(order.map((i) => createHash('sha256').update(snap.blocks.get(i)!).digest())))
        .digest('base64');
      if (agg !== h('x-amz-Checksum'))
        return {
          action: 'CompleteSnapshot',
          answer: fail(400, 'ValidationException', 'INVALID_AGGREGATE_CHECKSUM'),
        };
    }
    return { action: 'CompleteSnapshot', answer: json(202, { Status: 'pending' }) };
  }
  return {
    action: `${method} ${url.pathname}`,
    answer: fail(400, 'ValidationException', `fake EBS does not do ${method} ${url.pathname}`),
  };
}

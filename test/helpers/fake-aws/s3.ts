/** The S3 calls lib-storage and cleanup make: multipart upload, put, delete, listings (path-style, XML). */
import { createHash } from 'node:crypto';
import type { Answer } from './ec2.ts';
import { x } from './query.ts';
import type { FakeAwsState } from './state.ts';

const xml = (root: string, body: string[]) => `<?xml version="1.0" encoding="UTF-8"?>\n${x(root, body)}`;
const s3err = (status: number, code: string, message: string): Answer => ({
  status,
  body: xml('Error', [x('Code', code), x('Message', message)]),
});

/** `aws-chunked` bodies (streamed uploads with trailing checksums): the chunks' data only. */
function decodeAwsChunked(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0], 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** The S3 operation a request is, from its method, path and query. */
export function s3ActionOf(method: string, url: URL): string {
  const key = url.pathname.split('/').slice(2).join('/');
  const q = url.searchParams;
  if (q.has('uploads')) return method === 'POST' ? 'CreateMultipartUpload' : 'ListMultipartUploads';
  if (q.has('uploadId'))
    return method === 'PUT'
      ? 'UploadPart'
      : method === 'POST'
        ? 'CompleteMultipartUpload'
        : 'AbortMultipartUpload';
  if (!key) return 'ListObjectsV2';
  return method === 'PUT' ? 'PutObject' : method === 'DELETE' ? 'DeleteObject' : `${method}Object`;
}

export function handleS3(
  s: FakeAwsState,
  method: string,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
): { action: string; answer: Answer } {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  const chunked =
    String(headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  const body = chunked ? decodeAwsChunked(raw) : raw;
  const etag = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;
  if (method === 'POST' && q.has('uploads')) {
    const id = s.id('upload');
    s.uploads.set(id, { bucket, key, parts: new Map() });
    return {
      action: 'CreateMultipartUpload',
      answer: {
        status: 200,
        body: xml('InitiateMultipartUploadResult', [x('Bucket', bucket), x('Key', key), x('UploadId', id)]),
      },
    };
  }
  if (method === 'PUT' && q.has('uploadId')) {
    const u = s.uploads.get(q.get('uploadId')!);
    if (!u)
      return {
        action: 'UploadPart',
        answer: s3err(404, 'NoSuchUpload', 'The specified upload does not exist.'),
      };
    u.parts.set(Number(q.get('partNumber')), Buffer.from(body));
    return { action: 'UploadPart', answer: { status: 200, body: '', headers: { etag: etag(body) } } };
  }
  if (method === 'POST' && q.has('uploadId')) {
    const u = s.uploads.get(q.get('uploadId')!);
    if (!u)
      return {
        action: 'CompleteMultipartUpload',
        answer: s3err(404, 'NoSuchUpload', 'The specified upload does not exist.'),
      };
    const whole = Buffer.concat([...u.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
    s.bucket(bucket).set(key, {
      size: whole.length,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
    s.uploads.delete(q.get('uploadId')!);
    return {
      action: 'CompleteMultipartUpload',
      answer: {
        status: 200,
        body: xml('CompleteMultipartUploadResult', [
          x('Location', `${url.origin}/${bucket}/${key}`),
          x('Bucket', bucket),
          x('Key', key),
          x('ETag', etag(whole)),
        ]),
      },
    };
  }
  if (method === 'DELETE' && q.has('uploadId')) {
    if (!s.uploads.delete(q.get('uploadId')!))
      return {
        action: 'AbortMultipartUpload',
        answer: s3err(404, 'NoSuchUpload', 'The specified upload does not exist.'),
      };
    return { action: 'AbortMultipartUpload', answer: { status: 204, body: '' } };
  }
  if (method === 'PUT' && key) {
    s.bucket(bucket).set(key, { size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    return { action: 'PutObject', answer: { status: 200, body: '', headers: { etag: etag(body) } } };
  }
  if (method === 'DELETE' && key) {
    s.buckets.get(bucket)?.delete(key);
    return { action: 'DeleteObject', answer: { status: 204, body: '' } };
  }
  if (method === 'GET' && !key && q.has('uploads')) {
    const prefix = q.get('prefix') ?? '';
    const ups = [...s.uploads.entries()].filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix));
    return {
      action: 'ListMultipartUploads',
      answer: {
        status: 200,
        body: xml('ListMultipartUploadsResult', [
          x('Bucket', bucket),
          x('IsTruncated', 'false'),
          ...ups.map(([id, u]) =>
            x('Upload', [x('Key', u.key), x('UploadId', id), x('Initiated', new Date().toISOString())]),
          ),
        ]),
      },
    };
  }
  if (method === 'GET' && !key) {
    const prefix = q.get('prefix') ?? '';
    const objs = [...(s.buckets.get(bucket)?.entries() ?? [])].filter(([k]) => k.startsWith(prefix));
    return {
      action: 'ListObjectsV2',
      answer: {
        status: 200,
        body: xml('ListBucketResult', [
          x('Name', bucket),
          x('Prefix', prefix),
          x('KeyCount', objs.length),
          x('IsTruncated', 'false'),
          ...objs.map(([k, o]) =>
            x('Contents', [x('Key', k), x('Size', o.size), x('LastModified', new Date().toISOString())]),
          ),
        ]),
      },
    };
  }
  return {
    action: `${method} ${url.pathname}`,
    answer: s3err(400, 'NotImplemented', `fake S3 does not do ${method} ${url.pathname}${url.search}`),
  };
}

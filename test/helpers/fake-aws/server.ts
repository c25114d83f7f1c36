/**
 * A fake AWS on 127.0.0.1 for the real SDK v3: EC2 (query/XML), S3 (REST/XML, multipart)
 * and the EBS direct APIs (REST/JSON), told apart by the service in the SigV4 credential
 * scope. Tests point the SDK at it with AWS_ENDPOINT_URL and static test credentials, so
 * the code under test uses the SDK's default chains exactly as it does against AWS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleEbs } from './ebs.ts';
import { type Answer, handleEc2 } from './ec2.ts';
import { ec2Error, parseQuery, x } from './query.ts';
import { handleS3, s3ActionOf } from './s3.ts';
import { FakeAwsState } from './state.ts';

export interface FakeAws {
  url: string;
  state: FakeAwsState;
  /** Environment for the SDK (in-process or a child): endpoint, region, static credentials, no config files. */
  env: Record<string, string>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function serviceOf(req: IncomingMessage): string {
  const auth = String(req.headers.authorization ?? '');
  return auth.match(/Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/)?.[1] ?? 'unknown';
}

function throttleAnswer(service: string): Answer {
  if (service === 'ec2')
    return { status: 503, body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.') };
  if (service === 's3')
    return {
      status: 503,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${x('Error', [x('Code', 'SlowDown'), x('Message', 'Please reduce your request rate.')])}`,
    };
  return {
    status: 400,
    body: JSON.stringify({ Message: 'Rate exceeded' }),
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'RequestThrottledException' },
  };
}

function failAnswer(service: string, f: { code: string; message: string; status?: number }): Answer {
  if (service === 'ec2') return { status: f.status ?? 400, body: ec2Error(f.code, f.message) };
  if (service === 'ebs')
    return {
      status: f.status ?? 400,
      body: JSON.stringify({ Message: f.message }),
      headers: { 'x-amzn-errortype': f.code },
    };
  return {
    status: f.status ?? 400,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${x('Error', [x('Code', f.code), x('Message', f.message)])}`,
  };
}

/** Starts the fake on a free port. */
export async function startFakeAws(): Promise<FakeAws> {
  const state = new FakeAwsState();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const service = serviceOf(req) as 'ec2' | 's3' | 'ebs';
    let action: string;
    let params: Record<string, unknown> = {};
    let answer: () => { action: string; answer: Answer };
    if (service === 'ec2') {
      params = parseQuery(body.toString('utf8'));
      action = String(params.Action);
      answer = () => ({ action, answer: handleEc2(state, action, params) });
    } else if (service === 's3') {
      action = s3ActionOf(req.method ?? 'GET', url);
      params = Object.fromEntries(url.searchParams);
      answer = () => handleS3(state, req.method ?? 'GET', url, req.headers, body);
    } else if (service === 'ebs') {
      action = /\/blocks\//.test(url.pathname)
        ? 'PutSnapshotBlock'
        : /completion/.test(url.pathname)
          ? 'CompleteSnapshot'
          : 'StartSnapshot';
      params = { path: url.pathname };
      answer = () => handleEbs(state, req.method ?? 'GET', url, req.headers, body);
    } else {
      res.writeHead(400).end(`fake AWS: cannot tell the service of ${req.method} ${req.url}`);
      return;
    }
    const delay = state.faults.delay[action];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    let result: Answer;
    if (state.throttled(action)) result = throttleAnswer(service);
    else if (state.faults.fail[action]) result = failAnswer(service, state.faults.fail[action]);
    else result = answer().answer;
    state.calls.push({ service, action, params, status: result.status });
    const type = service === 'ebs' ? 'application/json' : 'text/xml';
    res.writeHead(result.status, {
      'content-type': type,
      'x-amzn-requestid': 'fake-request',
      ...(result.headers ?? {}),
    });
    res.end(result.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0000',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
      AWS_CONFIG_FILE: '/nonexistent/bootwatch-test-aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/bootwatch-test-aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** What the fake AWS remembers, and the faults a test asks it to inject. */

export interface FakeTag {
  Key: string;
  Value: string;
}

export interface FakeInstance {
  id: string;
  imageId: string;
  type: string;
  state: 'pending' | 'running' | 'shutting-down' | 'terminated';
  tags: FakeTag[];
  /** GetConsoleOutput calls answered so far: the console grows with them. */
  polls: number;
  params: Record<string, unknown>;
}

export interface FakeSnapshot {
  id: string;
  state: 'pending' | 'completed' | 'error';
  volumeSize: number;
  tags: FakeTag[];
  blocks: Map<number, Buffer>;
  /** DescribeSnapshots calls left before `completed`. */
  pendingPolls: number;
  source: 'ebs' | 'import';
}

export interface FakeImage {
  id: string;
  name: string;
  state: 'pending' | 'available';
  snapshotId: string;
  tags: FakeTag[];
  params: Record<string, unknown>;
  pendingPolls: number;
}

export interface FakeImportTask {
  id: string;
  status: 'active' | 'completed' | 'deleted';
  statusMessage: string;
  snapshotId: string | null;
  bucket: string;
  key: string;
  tags: FakeTag[];
  pendingPolls: number;
}

export interface FakeObject {
  size: number;
  sha256: string;
}

export interface FakeUpload {
  bucket: string;
  key: string;
  parts: Map<number, Buffer>;
}

export interface ConsoleScript {
  /** The whole console the instance will print, revealed `bytesPerPoll` at a time. */
  log: Buffer;
  bytesPerPoll: number;
  /** GetConsoleOutput(Latest) answers with the last `window` revealed bytes: windows overlap. */
  window: number;
  /** Terminate the instance by itself once everything is printed (a guest power-off). */
  terminateAtEnd?: boolean;
}

export interface FakeFaults {
  /** Action → how many calls answer RequestLimitExceeded / RequestThrottledException / SlowDown first. */
  throttle: Record<string, number>;
  /** ImportSnapshot tasks end `deleted` with this message. */
  importFails: string | null;
  /** The instance prints nothing at all. */
  silentConsole: boolean;
  /** GetConsoleOutput with Latest=true is refused (Xen types). */
  latestUnsupported: boolean;
  /** Actions that fail outright (code → message), e.g. RunInstances: InsufficientInstanceCapacity. */
  fail: Record<string, { code: string; message: string; status?: number }>;
  /** Calls to hold for this long before answering (ms), to give a test time to interrupt. */
  delay: Record<string, number>;
}

export interface FakeCall {
  service: 'ec2' | 's3' | 'ebs';
  action: string;
  params: Record<string, unknown>;
  /** Answer status (a throttled call shows 503/400). */
  status: number;
}

export class FakeAwsState {
  instances = new Map<string, FakeInstance>();
  snapshots = new Map<string, FakeSnapshot>();
  images = new Map<string, FakeImage>();
  importTasks = new Map<string, FakeImportTask>();
  buckets = new Map<string, Map<string, FakeObject>>();
  uploads = new Map<string, FakeUpload>();
  calls: FakeCall[] = [];
  faults: FakeFaults = {
    throttle: {},
    importFails: null,
    silentConsole: false,
    latestUnsupported: false,
    fail: {},
    delay: {},
  };
  console: ConsoleScript | null = null;
  /** Polls a snapshot/AMI/import stays pending. */
  pendingPolls = 1;
  private seq = 0;

  id(prefix: string): string {
    this.seq++;
    return `${prefix}-${this.seq.toString(16).padStart(17, '0')}`;
  }

  bucket(name: string): Map<string, FakeObject> {
    let b = this.buckets.get(name);
    if (!b) {
      b = new Map();
      this.buckets.set(name, b);
    }
    return b;
  }

  /** Consumes one throttle for `action`; true when this call must be throttled. */
  throttled(action: string): boolean {
    const n = this.faults.throttle[action] ?? 0;
    if (n <= 0) return false;
    this.faults.throttle[action] = n - 1;
    return true;
  }

  count(action: string): number {
    return this.calls.filter((c) => c.action === action && c.status < 300).length;
  }

  /** Resources that exist and cost money or storage: what a clean run must leave at zero. */
  live(): {
    instances: string[];
    images: string[];
    snapshots: string[];
    objects: string[];
    uploads: string[];
    importTasks: string[];
  } {
    return {
      instances: [...this.instances.values()].filter((i) => i.state !== 'terminated').map((i) => i.id),
      images: [...this.images.keys()],
      snapshots: [...this.snapshots.keys()],
      objects: [...this.buckets.entries()].flatMap(([b, m]) => [...m.keys()].map((k) => `${b}/${k}`)),
      uploads: [...this.uploads.values()].map((u) => `${u.bucket}/${u.key}`),
      importTasks: [...this.importTasks.values()].filter((t) => t.status === 'active').map((t) => t.id),
    };
  }
}

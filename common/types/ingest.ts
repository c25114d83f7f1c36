/**
 * What runners send to the collector and what the sockets carry: builds, boots, console
 * streams, the live feed. The shapes are the TypeBox schemas of common/schemas/; these are their types.
 */
export type { FeedMessage } from '../schemas/feed.ts';
export type {
  BootCheck,
  BootFinishInput,
  BootInput,
  BootTarget,
  BuildInput,
  ConfigFragment,
  DroppedOption,
  EndReason,
  ImageSizes,
  KernelSourceInput,
  Status,
  SymbolSize,
} from '../schemas/ingest.ts';
export type { IngestServerMessage } from '../schemas/ingest-socket.ts';
export type { BootOutcome } from '../schemas/parse.ts';

/** Analysis routes' params and query strings; the bodies and answers live in common/schemas/analysis.ts. */
import { Type } from '@sinclair/typebox';
import { Id, StringEnum } from '../../../common/schemas/common.ts';
import { ArchList, CsvList } from './common.ts';

export {
  BaselinePin,
  CompareResponse,
  FailureGroup,
  PinBody,
  RegressionDetail,
  RegressionItem,
  RunInput,
  RunRecord,
  Thresholds,
} from '../../../common/schemas/analysis.ts';

export const RegressionQuery = Type.Object({
  status: Type.Optional(StringEnum(['open', 'fixed', 'all'] as const)),
  variant: CsvList('variant names, comma-separated'),
  arch: ArchList('only regressions of boots (or, without one, builds) of these architectures'),
  boot: CsvList('only regressions opened or fixed by these boot ids'),
  build: CsvList('only regressions opened or fixed by these build ids'),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

export const VariantParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export const FailureQuery = Type.Object({
  variant: CsvList('variant names, comma-separated'),
  arch: ArchList('only boots of these architectures'),
  kind: CsvList('crash, warning, error, probe, stalled, no_output'),
  boots: Type.Integer({ minimum: 1, maximum: 20000, default: 1000, description: 'newest boots looked at' }),
  occurrences: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'occurrences kept per group',
  }),
});

export const ExportQuery = Type.Object({
  builds: Type.Integer({ minimum: 1, maximum: 5000, default: 200, description: 'newest builds exported' }),
  variant: CsvList('variant names, comma-separated'),
  origin: Type.String({
    pattern: '^[a-z0-9_]+$',
    maxLength: 100,
    default: 'bootwatch',
    description: 'KCIDB origin',
  }),
});

export const RunParams = Type.Object({
  id: Type.Union([Id(), Type.Literal('latest')]),
});

export const CompareQuery = Type.Object({
  a: Type.Optional(Id('the earlier boot; default: b’s baseline')),
  b: Id('the boot to explain'),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 50, description: 'size-diff symbols kept' }),
});

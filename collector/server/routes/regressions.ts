/** Regressions: the list, one with its config and size differences, and pinned baselines. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import type { RegressionDetail as Detail } from '../../../common/types/api.ts';
import { DEFAULT_REGRESSION_OPTIONS, type RegressionOptions } from '../../analysis/regressions.ts';
import { getBootSummary } from '../../db/queries/boots.ts';
import { variantIdByName } from '../../db/queries/catalog.ts';
import {
  getRegression,
  getThresholds,
  listBaselines,
  listRegressions,
  pinBaseline,
  setThresholds,
  unpinBaseline,
} from '../../db/queries/regressions.ts';
import { mergeOptions, settleRegressions } from '../../regressions/detect.ts';
import { regressionDiffs } from '../../regressions/regression-diffs.ts';
import {
  BaselinePin,
  PinBody,
  RegressionDetail,
  RegressionItem,
  RegressionQuery,
  Thresholds,
  VariantParams,
} from '../schemas/analysis.ts';
import { errors, IdParams, splitArches, splitCsv, splitIds } from '../schemas/common.ts';
import type { App } from '../types.ts';

export async function regressionRoutes(app: App): Promise<void> {
  app.get(
    '/api/regressions',
    {
      schema: {
        tags: ['regressions'],
        summary: 'regressions, newest first (open by default)',
        querystring: RegressionQuery,
        response: { 200: Type.Array(RegressionItem), ...errors(400, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      await settleRegressions(app.database.db);
      return listRegressions(app.database.db, {
        status: q.status === 'all' ? undefined : (q.status ?? 'open'),
        variant: splitCsv(q.variant),
        bootIds: splitIds(q.boot),
        buildIds: splitIds(q.build),
        arch: splitArches(q.arch),
        limit: q.limit,
      });
    },
  );

  app.get(
    '/api/regressions/:id',
    {
      schema: {
        tags: ['regressions'],
        summary: 'one regression with the config diff and the top size changes between its runs',
        params: IdParams,
        response: { 200: RegressionDetail, ...errors(400, 404, 503) },
      },
    },
    async (req): Promise<Detail> => {
      const db = app.database.db;
      await settleRegressions(db);
      const r = await getRegression(db, req.params.id);
      if (!r) throw new BootwatchError('route.not_found', `no regression with id ${req.params.id}`);
      return { ...r, ...(await regressionDiffs(db, r)) };
    },
  );

  app.get(
    '/api/baselines',
    {
      schema: {
        tags: ['regressions'],
        summary: 'baselines pinned per variant',
        response: { 200: Type.Array(BaselinePin), ...errors(503) },
      },
    },
    async () => listBaselines(app.database.db),
  );

  app.put(
    '/api/variants/:name/baseline',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['regressions'],
        summary: "pin a boot as the variant's baseline (instead of its last good run)",
        params: VariantParams,
        body: PinBody,
        response: { 200: BaselinePin, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const db = app.database.db;
      const variantId = await variantIdByName(db, req.params.name);
      if (variantId == null)
        throw new BootwatchError('variant.not_found', `no variant named ${req.params.name}`);
      const boot = await getBootSummary(db, req.body.bootId);
      if (!boot) throw new BootwatchError('boot.not_found', `no boot with id ${req.body.bootId}`);
      if (boot.variant !== req.params.name)
        throw new BootwatchError(
          'input.invalid',
          `boot ${boot.id} belongs to variant ${boot.variant ?? '(none)'}, not ${req.params.name}`,
        );
      await pinBaseline(db, variantId, boot.id, req.body.note ?? null);
      const pin = (await listBaselines(db)).find((p) => p.variant === req.params.name)!;
      return pin;
    },
  );

  app.delete(
    '/api/variants/:name/baseline',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['regressions'],
        summary: "unpin the variant's baseline (back to its last good run)",
        params: VariantParams,
        response: { 200: Type.Object({ unpinned: Type.Boolean() }), ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const variantId = await variantIdByName(app.database.db, req.params.name);
      if (variantId == null)
        throw new BootwatchError('variant.not_found', `no variant named ${req.params.name}`);
      return { unpinned: await unpinBaseline(app.database.db, variantId) };
    },
  );

  app.get(
    '/api/variants/:name/thresholds',
    {
      schema: {
        tags: ['regressions'],
        summary: "the variant's regression thresholds (its overrides merged over the defaults)",
        params: VariantParams,
        response: { 200: Thresholds, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const variantId = await variantIdByName(app.database.db, req.params.name);
      if (variantId == null)
        throw new BootwatchError('variant.not_found', `no variant named ${req.params.name}`);
      return mergeOptions(DEFAULT_REGRESSION_OPTIONS, await getThresholds(app.database.db, variantId));
    },
  );

  app.put(
    '/api/variants/:name/thresholds',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['regressions'],
        summary: 'set the variant\'s overrides, e.g. {"size":{"bytes":4096}} (the next run uses them)',
        params: VariantParams,
        body: Thresholds,
        response: { 200: Thresholds, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const variantId = await variantIdByName(app.database.db, req.params.name);
      if (variantId == null)
        throw new BootwatchError('variant.not_found', `no variant named ${req.params.name}`);
      await setThresholds(app.database.db, variantId, req.body as Partial<RegressionOptions>);
      return mergeOptions(DEFAULT_REGRESSION_OPTIONS, req.body as Partial<RegressionOptions>);
    },
  );
}

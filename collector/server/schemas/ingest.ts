/** What runners send: the schemas live with their types in common/schemas/ingest.ts. */
export {
  BootFinishSchema,
  BootInputSchema,
  BuildInputSchema,
  BuildProgressSchema,
  TARGETS,
} from '../../../common/schemas/ingest.ts';

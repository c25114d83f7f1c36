/** Issues: failures grouped by signature across boots, variants and targets (`/api/issues`). */
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, StringEnum, Timestamp } from './common.ts';
import { BOOT_OUTCOMES } from './parse.ts';

export const ISSUE_STATUSES = ['new', 'known', 'gone'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

const common = {
  id: Type.Integer(),
  signature: Type.String({ description: 'what groups reports of one bug: crash signature or failure key' }),
  kind: Type.String({
    description:
      'a crash kind (panic, warning, kasan, ...) or init_exec, mount_failed, missing_config, probe_failed, error',
  }),
  title: Type.String(),
  file: Nullable(Type.String({ description: 'the guilty source file, when the report names one' })),
  status: StringEnum(
    ISSUE_STATUSES,
    "new: first seen in a variant's latest boot; gone: absent from the last 5 boots of every variant it appeared in",
  ),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  count: Type.Integer({ description: 'boots it appeared in' }),
  firstBootId: Type.Integer(),
  lastBootId: Type.Integer(),
};

/** One row of `GET /api/issues`. */
export const IssueSummary = Type.Object({ ...common, variants: Type.Array(Type.String()) });
export type IssueSummary = Static<typeof IssueSummary>;

/** An issue in one variant. */
export const IssueVariant = Type.Object({
  variant: Nullable(Type.String()),
  status: StringEnum(ISSUE_STATUSES),
  count: Type.Integer(),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  firstBootId: Type.Integer(),
  lastBootId: Type.Integer(),
  lastCleanBootId: Nullable(
    Type.Integer({
      description: "the variant's last boot before the issue first appeared there (Compare's a)",
    }),
  ),
  bootsSince: Type.Integer({
    description: "the variant's finished boots since the issue last appeared (up to 5)",
  }),
});
export type IssueVariant = Static<typeof IssueVariant>;

/** `GET /api/issues/:id`. */
export const IssueDetail = Type.Object({
  ...common,
  variants: Type.Array(IssueVariant),
  boots: Type.Array(
    Type.Object({
      bootId: Type.Integer(),
      variant: Nullable(Type.String()),
      startedAt: Timestamp,
      outcome: Nullable(StringEnum(BOOT_OUTCOMES)),
      line: Type.Integer(),
    }),
    { description: 'the newest 50 boots it appeared in' },
  ),
});
export type IssueDetail = Static<typeof IssueDetail>;

/** The database schema, the one source of truth: tables split by concern. */

export * from './agents.ts';
export * from './alerts.ts';
export * from './analysis.ts';
export * from './bisections.ts';
export * from './boots.ts';
export * from './builds.ts';
export * from './catalog.ts';
export * from './climbs.ts';
export * from './console.ts';
export * from './findings.ts';
export * from './issues.ts';
export * from './regressions.ts';
export * from './summaries.ts';
export * from './tokens.ts';

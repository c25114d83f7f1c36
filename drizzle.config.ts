/** drizzle-kit: `npm run db:generate` writes SQL migrations from collector/db/schema. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './collector/db/schema/index.ts',
  out: './migrations',
});

/**
 * Development aid: a collector on a throwaway database seeded with the test lab, to look at
 * the dashboard by hand. `npx tsx test/dashboard/serve-seeded.ts` then open the printed URL
 * (or run `npm run dev:dashboard` with BOOTWATCH_COLLECTOR set to it).
 */
import { seedLab } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer } from './helpers/server.ts';

ensureDashboardBuilt();
const server = await startServer();
const lab = await seedLab(server.url);
process.stdout.write(`${server.url}\n${JSON.stringify({ builds: lab.builds, boots: lab.boots })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

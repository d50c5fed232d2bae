// Starts the board on its own: `npm run board` (BOARD_PORT, default 7080; BOARD_HOST, default 127.0.0.1). It reads
// the release files in $PROMOTER_CONFIG_DIR and reaches Temporal and DLRN with the same environment as the CLI.
import { createBoardServer, listen } from './server.js';
import { liveSource } from './live-source.js';

const port = Number(process.env.BOARD_PORT ?? 7080);
const host = process.env.BOARD_HOST ?? '127.0.0.1';
const source = liveSource();
const server = createBoardServer(source);
const url = await listen(server, port, host);
console.log(`board running at ${url}`);
// Read once now, so the first visitor does not wait for DLRN.
source.releases().catch((err: unknown) => console.error(`board: first read failed: ${(err as Error).message}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));

/** Runs the CLI from source (Node 22.18+ strips the types): used by tests and `npm run dev`. */
import { main } from './main.ts';

const code = await main(process.argv.slice(2));
process.exitCode = code;
setTimeout(() => process.exit(code), 3000).unref();

/** Runs the CLI from source (Node 22.18+ strips the types): used by tests and `npm run dev`. */
import { enableCompileCache } from 'node:module';

// V8's compiled code of every module is kept on disk (NODE_DISABLE_COMPILE_CACHE=1 turns it
// off): later starts skip most of the compiling, about 0.1 s of every command's start.
enableCompileCache();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
setTimeout(() => process.exit(code), 3000).unref();

// A password-hashing thread. Plain JavaScript so it runs the same under tsx, Jest and a build.
// It lowers its own scheduling priority first: on a busy two-core machine the event loop (every other request)
// must win the CPU over a hash, which only delays that one login a little.
import { parentPort } from 'node:worker_threads';
import { setPriority } from 'node:os';
import { hashSync, verifySync } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

try {
  setPriority(0, 10);
} catch {
  // Not permitted here (some containers): hashing still works, only without the priority hint.
}

parentPort.on('message', ({ id, op, args }) => {
  try {
    let result;
    if (op === 'hash') result = hashSync(args.password, args.options);
    else if (op === 'verify') result = verifySync(args.hash, args.password);
    else if (op === 'verifyBcrypt') result = bcrypt.compareSync(args.password, args.hash);
    else throw new Error(`unknown operation ${op}`);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

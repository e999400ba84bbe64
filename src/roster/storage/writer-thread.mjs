// Entry of the roster writer thread (see write-sessions.ts). The thread runs the same TypeScript as the rest
// of Homeroom, through tsx, under `homeroom`, Jest and the benches alike.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');

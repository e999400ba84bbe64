// Entry of the CLI's import thread (see cli-import.ts). The thread runs the same TypeScript as the rest of
// Homeroom, through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./import-thread.ts');

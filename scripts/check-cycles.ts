import { parseCircular, parseDependencyTree } from 'dpdm';

/** Every import cycle between modules of src/, type-only imports included (they couple modules all the same). */
const tree = await parseDependencyTree('src/**/*.ts', { transform: false, skipDynamicImports: false });
const cycles = parseCircular(tree);
for (const cycle of cycles) process.stdout.write(`import cycle: ${[...cycle, cycle[0]].join(' → ')}\n`);
process.stdout.write(cycles.length ? `${cycles.length} import cycle(s)\n` : 'no import cycle\n');
process.exitCode = cycles.length ? 1 : 0;

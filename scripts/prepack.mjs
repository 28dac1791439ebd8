// `prepack` of the published packages (client/, provider/): the build they ship, and the repository's LICENSE
// copied in beside package.json (npm packs only files inside the package's directory). Run from the package's directory.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from './build.mjs';

build({ quiet: true });
copyFileSync(join(import.meta.dirname, '..', 'LICENSE'), join(process.cwd(), 'LICENSE'));

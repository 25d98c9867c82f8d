#!/usr/bin/env node
// The command-line tool is bundled at build time (npm run bundle) into assets/cli/main.js.
require('../assets/cli/main.js');

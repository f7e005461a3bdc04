#!/usr/bin/env node
// `npx funnel <command>`: the operator's CLI (infra/cli/funnel.ts), run through tsx like `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../infra/cli/funnel.ts');

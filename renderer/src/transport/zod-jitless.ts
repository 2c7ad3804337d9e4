// zod compiles object parsers with `new Function` unless told not to; the app's CSP forbids
// eval, and even zod's probe for it is reported as a CSP violation. Imported first by main.ts,
// before any schema parses anything.
import { z } from 'zod';

z.config({ jitless: true });

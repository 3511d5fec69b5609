// The pushsum suite: see suites/cases/pushsum.ts for its cases.
import { defineSuite } from './define-suite.js';
import { SUITES } from './registry.js';

defineSuite('pushsum', SUITES.pushsum);

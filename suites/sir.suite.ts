// The sir suite: see suites/cases/sir.ts for its cases.
import { defineSuite } from './define-suite.js';
import { SUITES } from './registry.js';

defineSuite('sir', SUITES.sir);

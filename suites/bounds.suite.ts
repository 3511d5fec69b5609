// The bounds suite: see suites/cases/bounds.ts for its cases.
import { defineSuite } from './define-suite.js';
import { SUITES } from './registry.js';

defineSuite('bounds', SUITES.bounds);

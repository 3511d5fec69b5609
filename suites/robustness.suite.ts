// The robustness suite: see suites/cases/robustness.ts for its cases.
import { defineSuite } from './define-suite.js';
import { SUITES } from './registry.js';

defineSuite('robustness', SUITES.robustness);

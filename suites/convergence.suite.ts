// The convergence suite: see suites/cases/convergence.ts for its cases.
import { defineSuite } from './define-suite.js';
import { SUITES } from './registry.js';

defineSuite('convergence', SUITES.convergence);

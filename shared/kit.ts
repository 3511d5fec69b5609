// The kit's own version: every report, counterexample and endpoint names it.
export const KIT_VERSION = '0.1.0';

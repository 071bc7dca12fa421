// The runtime's version, as `--version` and `features` print it.

/** Berth's version. */
export const VERSION = '0.1.0';

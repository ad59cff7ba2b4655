// The version `bulwark --version` prints and the platform reports in traces and SIEM events.
export const VERSION = "0.1.0";

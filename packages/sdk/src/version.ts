/** The SDK's version, sent in the `User-Agent` (a test checks it against package.json). */
export const VERSION = '0.1.0';

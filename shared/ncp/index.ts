/** The signed NCP HTTP client and its pieces, with the error type every failed call throws. */
export * from './client.ts';
export * from './errors.ts';
export * from './query.ts';
export * from './response.ts';
export * from './signer.ts';

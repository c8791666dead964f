/** Public API of ncp-cache-export's shared layer: the contract, configuration and NCP client. */
export * from './config.ts';
export * from './contract.ts';
export * from './defaults.ts';
export * from './discovery-contract.ts';
export * from './ncp/errors.ts';
export * from './ncp/index.ts';

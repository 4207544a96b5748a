/**
 * @first-mate/store-contract — the store contract suite: the executable
 * definition of the store port. Call `describeStoreContract(subject)` from a
 * vitest test file with a subject that opens a fresh store of your engine.
 */
export { describeStoreContract } from "./describeStoreContract.js";
export type { ContractStore, Corruption, RetentionMethods, StoreContractSubject } from "./storeContractSubject.js";

export * from "./asterisk-emulator.js";
export { parseArgs } from "./parse-args.js";

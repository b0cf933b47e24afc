export * from "../../src/emulator/parse-args.js";

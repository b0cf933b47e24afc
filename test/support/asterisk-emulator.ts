// The emulator ships with the product (`ura call` uses it); tests and benchmarks import it from here.
export * from "../../src/emulator/asterisk-emulator.js";

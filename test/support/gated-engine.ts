import type { SpeechEngine } from "../../src/tts/index.js";

/**
 * An engine that records what it is asked to say, and holds every synthesis while its gate is
 * closed: a call that waited for one would still be waiting (or would hear the fallback), so a
 * call that ends while a synthesis is held did not wait for it. Texts in `failing` fail, as a
 * real engine may on one name.
 */
export class GatedEngine implements SpeechEngine {
  readonly name = "espeak" as const;
  readonly voiceKey = "gated-test-voice";
  readonly renders: string[] = [];
  readonly failing = new Set<string>();
  private gate: Promise<void> = Promise.resolve();
  private release = () => undefined as void;
  close() {
    this.release();
  }
  hold() {
    this.gate = new Promise<void>((r) => (this.release = r));
  }
  open() {
    this.release();
    this.gate = Promise.resolve();
  }
  async render(text: string): Promise<Buffer> {
    this.renders.push(text);
    await this.gate;
    if (this.failing.has(text)) throw new Error(`the engine cannot say ${JSON.stringify(text)}`);
    return Buffer.alloc(1600, 1);
  }
  count(text: string): number {
    return this.renders.filter((t) => t === text).length;
  }
}

// Child process for cache.test.ts: starts writing a cache entry, says so, then stalls until killed.
import { AudioCache } from "../../src/tts/cache.js";

const [dir, hash] = process.argv.slice(2) as [string, string];

async function* slowAudio(): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(64_000, 1);
  process.stdout.write("half-written\n");
  await new Promise(() => undefined); // the parent kills us here, mid-write
}

await new AudioCache(dir).put(hash, slowAudio());

import { DescribeVoicesCommand, PollyClient, SynthesizeSpeechCommand, type PollyClientConfig, type VoiceId } from "@aws-sdk/client-polly";
import { SLN_RATE } from "../audio.js";
import { BadAudioError, checkSln, type SpeechEngine } from "./engine.js";

export interface PollyOptions {
  /** Polly voice; pt-BR: Camila (standard, neural), Vitoria (standard, neural), Thiago (neural). */
  voice?: string;
  engine: "standard" | "neural";
  region: string;
  /** Override of the endpoint (VPC endpoint, tests); empty = AWS's. */
  endpoint?: string;
  /** Extra client settings (tests pass static credentials here); credentials otherwise come from the SDK's default chain. */
  clientConfig?: PollyClientConfig;
}

export const POLLY_DEFAULT_VOICE = "Camila";

/**
 * Amazon Polly, asked for exactly what Asterisk plays: `pcm` at 8000 Hz is signed 16-bit mono
 * little-endian, i.e. the bytes of an `.sln` file, so they are written verbatim (no MP3, no
 * transcoding). The text goes inside `<speak>` with XML escaped, so a name like "Ana & Bia" or
 * one with `<` cannot break or inject SSML.
 */
export function createPollyEngine(options: PollyOptions): SpeechEngine & { client: PollyClient } {
  const voice = normaliseVoice(options.voice || POLLY_DEFAULT_VOICE);
  const client = new PollyClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...options.clientConfig,
  });
  return {
    name: "polly",
    voiceKey: `${voice}/${options.engine}`,
    client,
    close: () => client.destroy(),
    async check(signal) {
      await client.send(new DescribeVoicesCommand({ LanguageCode: "pt-BR" }), { abortSignal: signal });
    },
    async render(text, signal) {
      const result = await client.send(
        new SynthesizeSpeechCommand({
          Engine: options.engine,
          OutputFormat: "pcm",
          SampleRate: String(SLN_RATE),
          TextType: "ssml",
          Text: toSsml(text),
          VoiceId: voice as VoiceId,
        }),
        { abortSignal: signal },
      );
      if (result.ContentType && !/^audio\/pcm\b/i.test(result.ContentType)) {
        throw new BadAudioError(`Polly answered ${result.ContentType}, not audio/pcm`);
      }
      if (!result.AudioStream) throw new BadAudioError("Polly answered without audio");
      return checkSln(Buffer.from(await result.AudioStream.transformToByteArray()), "Polly");
    },
  };
}

/** `<speak>` document for a plain text: the five XML special characters escaped. */
export function toSsml(text: string): string {
  return `<speak>${escapeXml(text)}</speak>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Polly's VoiceId has no accents ("Vitoria"); people write "Vitória". */
function normaliseVoice(voice: string): string {
  return voice.normalize("NFD").replace(/\p{M}/gu, "");
}

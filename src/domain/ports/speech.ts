/**
 * What the domain asks of text-to-speech: synthesise, ahead of the calls, the sentences the IVR
 * will say (catalogue options, names), so no caller waits for a synthesis (issue 13: 0 synthesis
 * inside any call). src/tts implements it (`TtsService.prewarm`); the store calls it after every
 * change of the catalogue, and `CatalogueRepository.resynthesise()` lets an admin page ask for it.
 */
export interface SpeechPrewarmer {
  /** Synthesises what is not cached yet; never rejects for one text that failed (it reports it). */
  prewarm(texts: Iterable<string>): Promise<unknown>;
}

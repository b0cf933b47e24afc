import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { command } from "../../src/cli/commands/call.js";
import { testSettings } from "../../src/config/index.js";
import { openStore } from "../../src/domain/index.js";
import { cliContext } from "../support/cli.js";
import { freePort, runUra, type RunningUra } from "../support/processes.js";

/**
 * README's simulated call, end to end through the CLI as an operator runs it: `ura start`, then
 * `ura users add`, then `ura call --keys …` ("c" = the one-time code from the log sender's outbox).
 * The synthesised menu options are printed as the text they say (the TTS cache's sidecar).
 */

let running: RunningUra | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function finished(process: RunningUra): Promise<string> {
  const code = await process.exited;
  expect(code, process.output()).toBe(0);
  return process.output();
}

describe("ura call against ura start", () => {
  it.each(["path", "http"])("AUDIO_MODE=%s: opens a ticket with README's keys, showing the menu options as text", async (mode) => {
    dataDir = mkdtempSync(join(tmpdir(), "ura-call-"));
    const apiPort = await freePort();
    const audio: Record<string, string> = mode === "http" ? { AUDIO_MODE: "http", AUDIO_HTTP_BASE_URL: `http://127.0.0.1:${apiPort}/audio` } : {};
    // The call shows the catalogue's sentences as synthesised text: start waits until they are all
    // in the cache (issue 13), however loaded the machine is, so no option falls back to "opção N".
    const env: Record<string, string> = { AGI_PORT: String(await freePort()), API_PORT: String(apiPort), DATA_DIR: dataDir, TTS_PREWARM_WAIT_MS: "120000", ...audio };
    running = runUra(["start"], env);
    await running.waitFor(/FastAGI server listening/, 150_000);

    await finished(runUra(["users", "add", "--code", "1234", "--name", "Ana Souza", "--phone", "(45) 99999-1234", "--ext", "2001"], env));
    const out = await finished(runUra(["call", "--keys", "1,1234#,c,2,2,1,2,5"], env));
    if (mode === "http") expect(running.output()).not.toMatch(/"level":[56]0/);

    const ended = /— call ended \(SUCCESS\) (.*)/.exec(out);
    expect(ended, out).not.toBeNull();
    expect(ended![1]).toMatch(/URA_USER=1234/);
    expect(ended![1]).toMatch(/URA_RESULT=ticket/);
    const protocol = /URA_TICKET=(\d+)/.exec(ended![1]!)?.[1];
    expect(protocol, out).toMatch(/^\d{5,7}$/);

    // The one-time code came from the outbox and was typed.
    const code = /\[WhatsApp simulado\] Seu código de acesso ao suporte de TI é (\d{6})\. Ele vale por 5 minutos\./.exec(out)?.[1];
    expect(code, out).toBeDefined();
    expect(out).toContain(`→ ${code}#`);
    // Synthesised audio is printed as what it says: the catalogue options. After the one-time
    // code the caller hears their name and is not asked it (issue 13); the sub-menu begins with
    // the label of the service chosen.
    expect(out).not.toMatch(/♪ (you-are|confirm-name):/);
    expect(out).toMatch(/♪ thanks-name: Obrigado,\n♪ tts [0-9a-f]{8}: Ana Souza\n♪ service-menu:/);
    expect(out).toMatch(/♪ tts [0-9a-f]{8}: Computador\n♪ tts [0-9a-f]{8}: Formatação, 1\./);
    expect(out).toMatch(/♪ tts [0-9a-f]{8}: Sistemas, 1\./);
    expect(out).toMatch(/♪ tts [0-9a-f]{8}: Computador, 2\./);
    expect(out).toMatch(/♪ tts [0-9a-f]{8}: Não liga, 2\./);
    expect(out).not.toContain("(áudio sintetizado)");
    // The protocol is read digit by digit after "ticket-opened".
    const readBack = out.slice(out.indexOf("♪ ticket-opened"), out.indexOf("♪ protocol-repeat"));
    expect([...readBack.matchAll(/♪ digit-(\d)/g)].map((m) => m[1]).join("")).toBe(protocol);

    const store = await openStore(testSettings({ DATA_DIR: dataDir }), { migrate: false });
    try {
      const { tickets } = await store.tickets.list({ limit: 10, offset: 0 });
      expect(tickets.map((t) => ({ protocol: t.protocol, user: t.requester.code, service: t.service.id, source: t.source }))).toEqual([
        { protocol, user: "1234", service: 202, source: "phone" },
      ]);
    } finally {
      await store.close();
    }
    expect(await running.stop()).toBe(0);
  }, 240_000);

  it("walks the identification paths: own extension (no code), a status check from it (nothing asked), and the same number from outside", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "ura-call-"));
    const env: Record<string, string> = { AGI_PORT: String(await freePort()), API_PORT: String(await freePort()), DATA_DIR: dataDir, TTS_PREWARM_WAIT_MS: "120000" };
    running = runUra(["start"], env);
    await running.waitFor(/FastAGI server listening/, 150_000);
    await finished(runUra(["users", "add", "--code", "1234", "--name", "Ana Souza", "--phone", "(45) 99999-1234", "--ext", "2001"], env));

    // The voice description: silence at its prompt, then 4 s of "speech" and # at the tone.
    const own = await finished(runUra(["call", "--caller-id", "2001", "--keys", "1,2,2,,v4,2,5"], env));
    expect(own).toMatch(/♪ describe-problem:[\s\S]*● gravando voice-[\s\S]*fala> v4\n♪ description-saved:/);
    expect(own).toMatch(/♪ hello-name: Olá,\n♪ tts [0-9a-f]{8}: Ana Souza\n♪ service-menu:/);
    expect(own).not.toMatch(/♪ (you-are|confirm-caller):/);
    expect(own).not.toMatch(/♪ (ask-user-code|ask-otp):/);
    const protocol = /URA_RESULT=ticket .*URA_TICKET=(\d+)|URA_TICKET=(\d+).*URA_RESULT=ticket/.exec(own);
    const number = protocol?.[1] ?? protocol?.[2];
    expect(number, own).toMatch(/^\d{5,7}$/);
    const store = await openStore(testSettings({ DATA_DIR: dataDir }), { migrate: false });
    try {
      // The description is sent while the protocol plays and after the call (it never delays the protocol): it lands shortly.
      const attachments = async () => (await store.tickets.get(number!))?.attachments.map((a) => ({ name: a.name, type: a.contentType, size: a.size }));
      await expect.poll(attachments, { timeout: 10_000 }).toEqual([
        { name: "descricao-por-voz.wav", type: "audio/wav", size: 44 + 3800 * 16 },
      ]);
    } finally {
      await store.close();
    }

    const status = await finished(runUra(["call", "--caller-id", "2001", "--keys", `2,${number}#,2,5`], env));
    expect(status).not.toMatch(/♪ (confirm-caller|ask-user-code|ask-otp|confirm-name):/);
    expect(status).toMatch(/♪ hello-name: Olá,\n♪ tts [0-9a-f]{8}: Ana Souza\n♪ ask-ticket-number:/);
    expect(status).toMatch(/♪ status-open:/);
    expect(status).toMatch(/URA_RESULT=status/);

    const outside = await finished(runUra(["call", "--caller-id", "2001", "--outside", "--keys", "1,1234#,c,2,2,1,2,5"], env));
    expect(outside).not.toMatch(/♪ (confirm-caller|confirm-name):/);
    expect(outside).toMatch(/♪ ask-user-code:[\s\S]*♪ ask-otp:/);
    expect(outside).toMatch(/URA_RESULT=ticket/);

    // Step mode as the dialplan chains it, one `ura call` per AGI of one call (--id): ura/identify,
    // then where URA_AFTER_IDENTIFY leads (ura?greeting=no) with the variables it left; `*` in
    // ura/ticket gives URA_RESULT=back, which URA_RETURN sends to the same main menu.
    const id = "1800000000.77";
    const identified = await finished(runUra(["call", "--script", "ura/identify", "--caller-id", "2001", "--id", id], env));
    expect(identified).toMatch(/URA_RESULT=identified/);
    expect(identified).toContain(`call id ${id}`);
    const auth = /URA_AUTH=(\S+)/.exec(identified)![1]!;
    const kept = ["--caller-id", "2001", "--id", id, "--var", "URA_USER=1234", "--var", `URA_AUTH=${auth}`];
    const menu = await finished(runUra(["call", "--script", "ura?greeting=no", ...kept, "--keys", `2,${number}#,2,5`], env));
    expect(menu).not.toMatch(/♪ (greeting|hello-name|ask-user-code|ask-otp):/);
    expect(menu).toMatch(/♪ status-open:[\s\S]*URA_RESULT=status/);
    const back = await finished(runUra(["call", "--script", "ura/ticket?service=2", ...kept, "--keys", "*,*"], env));
    expect(back).toMatch(/URA_RESULT=back/);
    // The signature is the call's: another call id with the same variables is not identified.
    const other = await finished(runUra(["call", "--script", "ura/ticket?service=2", ...kept.slice(0, 2), "--id", "1800000000.78", ...kept.slice(4)], env));
    expect(other).toMatch(/URA_ERROR=needs-identify/);
    expect(await running.stop()).toBe(0);
  }, 240_000);
});

describe("ura call's options", () => {
  it("a call id or a variable it cannot pass to Asterisk is refused before dialling, naming the option", async () => {
    const ctx = cliContext(testSettings());
    await expect(command.run(["--id", "1800000000.1/../x"], ctx)).rejects.toThrow(/--id: .* is not a call id/);
    await expect(command.run(["--var", "URA_USER"], ctx)).rejects.toThrow(/--var: "URA_USER" is not NAME=VALUE/);
    await expect(command.run(["--var", "=1234"], ctx)).rejects.toThrow(/--var/);
    expect(ctx.out()).toBe("");
  });
});

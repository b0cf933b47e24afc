import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { SenderRejectedError, SenderUnavailableError, type MessageSender } from "../../src/domain/index.js";
import { createCloudSender, createSender } from "../../src/whatsapp/index.js";
import { FakeGraph } from "../support/fake-graph.js";

const CODE_TEXT = "Seu código de acesso à URA é 482913. Ele vale por 5 minutos.";

describe("cloud driver against a local Graph endpoint", () => {
  let graph: FakeGraph;
  let sender: MessageSender;

  beforeEach(async () => {
    graph = await new FakeGraph().start();
    sender = createSender(
      testSettings({
        SENDER_DRIVER: "cloud",
        WHATSAPP_CLOUD_URL: graph.url,
        WHATSAPP_CLOUD_PHONE_ID: "106540352242922",
        WHATSAPP_CLOUD_TOKEN: "EAAG-test-token",
        SENDER_TIMEOUT_MS: "500",
      }),
    );
  });

  afterEach(() => graph.stop());

  it("posts a text message to /{phone-number-id}/messages with the bearer token and returns Meta's id", async () => {
    expect(sender.driver).toBe("cloud");
    const result = await sender.send({ phone: "(45) 9 9999-9999", text: CODE_TEXT });

    expect(result).toEqual({ id: "wamid.FAKE1" });
    expect(graph.requests).toHaveLength(1);
    const [request] = graph.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/v20.0/106540352242922/messages");
    expect(request!.headers.authorization).toBe("Bearer EAAG-test-token");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "+5545999999999",
      type: "text",
      text: { preview_url: false, body: CODE_TEXT },
    });
  });

  it("refuses a number that cannot be Brazilian without calling Meta", async () => {
    await expect(sender.send({ phone: "(20) 9999-9999", text: "x" })).rejects.toMatchObject({
      name: "SenderRejectedError",
      reason: "invalid_number",
    });
    expect(graph.requests).toHaveLength(0);
  });

  const cases: Array<{
    name: string;
    status: number;
    code: number;
    error: typeof SenderRejectedError | typeof SenderUnavailableError;
    reason?: string;
    says: RegExp;
  }> = [
    { name: "an expired token (401, code 190)", status: 401, code: 190, error: SenderUnavailableError, says: /renew WHATSAPP_CLOUD_TOKEN/ },
    { name: "a token without permission (403, code 10)", status: 403, code: 10, error: SenderUnavailableError, says: /permission/ },
    { name: "a token without permission (400, code 200)", status: 400, code: 200, error: SenderUnavailableError, says: /permission/ },
    { name: "Meta's rate limit (429, code 130429)", status: 429, code: 130429, error: SenderRejectedError, reason: "rate_limited", says: /rate limiting/ },
    { name: "the pair rate limit (400, code 131056)", status: 400, code: 131056, error: SenderRejectedError, reason: "rate_limited", says: /rate limiting/ },
    { name: "a number not on WhatsApp (400, code 131026)", status: 400, code: 131026, error: SenderRejectedError, reason: "not_on_whatsapp", says: /cannot receive WhatsApp/ },
    { name: "a message outside the 24 h window (400, code 131047)", status: 400, code: 131047, error: SenderRejectedError, reason: "rejected", says: /template/ },
    { name: "a bad parameter (400, code 100)", status: 400, code: 100, error: SenderRejectedError, reason: "rejected", says: /refused the message/ },
    { name: "Meta unavailable (503, code 131016)", status: 503, code: 131016, error: SenderUnavailableError, says: /unavailable/ },
    { name: "a server error (500, code 1)", status: 500, code: 1, error: SenderUnavailableError, says: /unavailable/ },
  ];

  it.each(cases)("maps $name", async ({ status, code, error, reason, says }) => {
    graph.replyWithError(status, code, "(#" + code + ") something", { error_data: { messaging_product: "whatsapp", details: "detail text" } });
    const failure = await sender.send({ phone: "+5545999999999", text: CODE_TEXT }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(error);
    expect((failure as Error).message).toMatch(says);
    expect((failure as Error).message).toContain(`code ${code}`);
    if (reason) expect((failure as SenderRejectedError).reason).toBe(reason);
  });

  it("treats a 5xx without a Graph body (a proxy's error page) as unavailable", async () => {
    graph.replyWith({ status: 502 });
    await expect(sender.send({ phone: "+5545999999999", text: "x" })).rejects.toBeInstanceOf(SenderUnavailableError);
  });

  it("gives up after SENDER_TIMEOUT_MS and says so", async () => {
    graph.replyWith({ status: 200, body: { messages: [{ id: "late" }] }, delayMs: 2000 });
    const started = Date.now();
    await expect(sender.send({ phone: "+5545999999999", text: "x" })).rejects.toThrow(/did not answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("is unavailable, not crashing, when Meta cannot be reached", async () => {
    await graph.stop();
    await expect(sender.send({ phone: "+5545999999999", text: "x" })).rejects.toThrow(/unreachable/);
  });

  it("says which settings are missing", async () => {
    const unconfigured = createCloudSender({ baseUrl: graph.url, phoneNumberId: "", token: "", timeoutMs: 500 });
    await expect(unconfigured.send({ phone: "+5545999999999", text: "x" })).rejects.toThrow(/WHATSAPP_CLOUD_PHONE_ID/);
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookNotifier, verifyWebhook, type TicketOpenedEvent } from "../../src/notify/index.js";
import { waitFor } from "../support/wait.js";

const SECRET = "w".repeat(40);

/** A receiving system: records each POST, answers the scripted statuses, then 204. */
async function receiver(statuses: number[] = []) {
  const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statuses.shift() ?? 204;
      res.writeHead(status, status === 503 ? { "retry-after": "1" } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ura`;
  return { got, url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const event: TicketOpenedEvent = {
  key: "glpi:120",
  backend: "glpi",
  protocol: "120",
  service: { id: 202, label: "Não liga", path: "Computador > Não liga" },
  requester: { code: "1001", name: "Ana Souza", department: "Saúde" },
  callerNumber: "2001",
  source: "phone",
  url: "https://glpi.example.gov.br/front/ticket.form.php?id=120",
  openedAt: "2026-03-02T13:45:00.000Z",
};

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("signed webhook notices", () => {
  it("POSTs the event as JSON with an HMAC-SHA256 signature the receiver can check", async () => {
    const r = await receiver();
    cleanups.push(r.stop);
    const notifier = createWebhookNotifier({ url: r.url, secret: SECRET, logger: pino({ level: "silent" }) });
    cleanups.push(() => notifier.close(100));
    notifier.ticketOpened(event);
    await waitFor(() => r.got.length === 1, "the POST");
    const { headers, body } = r.got[0]!;
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-ura-event"]).toBe("ticket.opened");
    expect(headers["x-ura-delivery"]).toBe("glpi:120");
    expect(headers["x-ura-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(body)).toEqual({ event: "ticket.opened", ...event });
    const now = Math.floor(Date.now() / 1000);
    const sig = { signature: String(headers["x-ura-signature"]), timestamp: String(headers["x-ura-timestamp"]) };
    expect(verifyWebhook(SECRET, sig, body, now)).toBe(true);
    expect(verifyWebhook(SECRET, sig, body.replace("Ana", "Eva"), now)).toBe(false);
    expect(verifyWebhook("x".repeat(40), sig, body, now)).toBe(false);
    expect(verifyWebhook(SECRET, sig, body, now + 3600)).toBe(false); // a replay an hour later
  });

  it("retries a 503 (after Retry-After) with the same delivery id, and sends each event once", async () => {
    const r = await receiver([503]);
    cleanups.push(r.stop);
    const notifier = createWebhookNotifier({ url: r.url, secret: SECRET, logger: pino({ level: "silent" }), retry: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => notifier.close(100));
    notifier.ticketOpened(event);
    notifier.ticketOpened(event);
    await waitFor(() => r.got.length === 2, "the retry");
    expect(r.got.map((g) => g.headers["x-ura-delivery"])).toEqual(["glpi:120", "glpi:120"]);
    notifier.ticketOpened({ ...event, key: "glpi:121", protocol: "121" });
    await waitFor(() => notifier.queue.size === 0, "the next event");
    expect(r.got).toHaveLength(3);
    expect(notifier.queue.stats).toMatchObject({ sent: 2, retries: 1 });
  });

  it("gives up a 4xx refusal without retrying", async () => {
    const r = await receiver([410]);
    cleanups.push(r.stop);
    const notifier = createWebhookNotifier({ url: r.url, secret: SECRET, logger: pino({ level: "silent" }), retry: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => notifier.close(100));
    notifier.ticketOpened(event);
    await waitFor(() => notifier.queue.size === 0, "the refusal to be settled");
    expect(r.got).toHaveLength(1);
    expect(notifier.queue.stats.dropped).toBe(1);
  });
});

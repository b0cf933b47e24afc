import { createServer, type Server, type Socket } from "node:net";
import { AmiParser, type AmiMessage } from "../../src/ami/index.js";

/**
 * A stand-in for Asterisk's manager port, speaking AMI over a real socket as main/manager.c does:
 * the "Asterisk Call Manager/x" banner, Login answered "Authentication accepted" (then FullyBooted)
 * or "Authentication failed" (then the connection is closed), Ping → Pong, Logoff → Goodbye, and
 * "Authentication Required" for anything before a login. Tests script the queue events it emits,
 * and the queues QueueSummary reports (answered as app_queue's manager_queues_summary does).
 */
export interface AmiStandIn {
  port: number;
  /** Every action received, in order, with its fields (Secret included, for the login assertions). */
  actions: AmiMessage[];
  /** Logged-in sessions right now. */
  sessions(): number;
  /** Resolves once `count` logins have succeeded since the stand-in started. */
  waitForLogins(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once an action with this name has been received `count` times. */
  waitForAction(name: string, count?: number, timeoutMs?: number): Promise<void>;
  /** Sends an event to every logged-in session (Privilege added as Asterisk does). */
  emit(event: Record<string, string>): void;
  /** Cuts every connection without a goodbye, as a PBX restart would. */
  dropAll(): void;
  /** Stops answering Ping (a half-dead connection). */
  ignorePings(on: boolean): void;
  /** What QueueSummary reports for this queue from now on (unset fields are 0; LoggedIn/Available default 2). */
  setQueue(name: string, summary: Partial<QueueSummaryFields>): void;
  /** Stops answering QueueSummary (Asterisk stuck on a lock, or a lost answer). */
  ignoreQueueSummary(on: boolean): void;
  close(): Promise<void>;
}

export interface QueueSummaryFields {
  Callers: number;
  HoldTime: number;
  TalkTime: number;
  LongestHoldTime: number;
  LoggedIn: number;
  Available: number;
}

export async function startAmiStandIn(options: { username: string; secret: string; version?: string; port?: number }): Promise<AmiStandIn> {
  const actions: AmiMessage[] = [];
  const sockets = new Set<Socket>();
  const loggedIn = new Set<Socket>();
  let logins = 0;
  let deafToPings = false;
  let deafToSummaries = false;
  const queues = new Map<string, QueueSummaryFields>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };

  const write = (socket: Socket, fields: Record<string, string>) => {
    if (socket.destroyed) return;
    socket.write(`${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding("utf8");
    socket.on("close", () => {
      sockets.delete(socket);
      loggedIn.delete(socket);
    });
    socket.on("error", () => undefined);
    socket.write(`Asterisk Call Manager/${options.version ?? "7.0.3"}\r\n`);
    const parser = new AmiParser(
      () => undefined,
      (message) => {
        actions.push(message);
        notify();
        const id: Record<string, string> = message.ActionID !== undefined ? { ActionID: message.ActionID } : {};
        const action = (message.Action ?? "").toLowerCase();
        if (action === "login") {
          if (message.Username === options.username && message.Secret === options.secret) {
            loggedIn.add(socket);
            logins += 1;
            write(socket, { Response: "Success", ...id, Message: "Authentication accepted" });
            write(socket, { Event: "FullyBooted", Privilege: "system,all", Uptime: "1234", LastReload: "1234", Status: "Fully Booted" });
            notify();
          } else {
            write(socket, { Response: "Error", ...id, Message: "Authentication failed" });
            socket.end();
          }
        } else if (!loggedIn.has(socket)) {
          write(socket, { Response: "Error", ...id, Message: "Authentication Required" });
        } else if (action === "ping") {
          if (!deafToPings) write(socket, { Response: "Success", ...id, Ping: "Pong", Timestamp: (Date.now() / 1000).toFixed(6) });
        } else if (action === "logoff") {
          write(socket, { Response: "Goodbye", ...id, Message: "Thanks for all the fish." });
          socket.end();
        } else if (action === "queuesummary") {
          if (deafToSummaries) return;
          // astman_send_listack, one QueueSummary per queue the Queue header matches, astman_send_list_complete.
          write(socket, { Response: "Success", ...id, EventList: "start", Message: "Queue summary will follow" });
          const filter = (message.Queue ?? "").toLowerCase();
          const matching = [...queues].filter(([name]) => filter === "" || name.toLowerCase() === filter);
          for (const [name, q] of matching) {
            write(socket, { Event: "QueueSummary", Queue: name, ...Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])), ...id });
          }
          write(socket, { Event: "QueueSummaryComplete", ...id, EventList: "Complete", ListItems: String(matching.length) });
        } else {
          write(socket, { Response: "Error", ...id, Message: "Invalid/unknown command" });
        }
      },
    );
    // The stand-in's parser expects a banner first, as the client's does: feed it one.
    parser.push("Asterisk Call Manager/stand-in\r\n");
    socket.on("data", (chunk: string) => {
      try {
        parser.push(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  const waitUntil = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (done()) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`AMI stand-in: timed out waiting for ${what}; actions so far: ${actions.map((a) => a.Action).join(", ")}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    port,
    actions,
    sessions: () => loggedIn.size,
    waitForLogins: (count, timeoutMs = 15_000) => waitUntil(() => logins >= count, `${count} logins`, timeoutMs),
    waitForAction: (name, count = 1, timeoutMs = 15_000) =>
      waitUntil(() => actions.filter((a) => a.Action?.toLowerCase() === name.toLowerCase()).length >= count, `${count}× ${name}`, timeoutMs),
    emit(event) {
      for (const socket of loggedIn) write(socket, { Event: event.Event ?? "", Privilege: "agent,all", ...event });
    },
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    ignorePings(on) {
      deafToPings = on;
    },
    setQueue(name, summary) {
      queues.set(name, { LoggedIn: 2, Available: 2, Callers: 0, HoldTime: 0, TalkTime: 0, LongestHoldTime: 0, ...summary });
    },
    ignoreQueueSummary(on) {
      deafToSummaries = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A realistic AgentCalled (Asterisk 16+ field set) for a caller channel ringing a member interface. */
export function agentCalled(call: { uniqueId: string; linkedId?: string; callerNumber?: string; queue?: string }, member: { interface: string; name?: string }): Record<string, string> {
  return { Event: "AgentCalled", ...channelFields(call), ...destFields(member), Queue: call.queue ?? "400", MemberName: member.name ?? member.interface, Interface: member.interface };
}

export function agentConnect(call: { uniqueId: string; linkedId?: string; callerNumber?: string; queue?: string }, member: { interface: string; name?: string }): Record<string, string> {
  return { ...agentCalled(call, member), Event: "AgentConnect", RingTime: "4", HoldTime: "12" };
}

export function queueCallerAbandon(call: { uniqueId: string; linkedId?: string; callerNumber?: string; queue?: string }): Record<string, string> {
  return { Event: "QueueCallerAbandon", ...channelFields(call), Queue: call.queue ?? "400", Position: "1", OriginalPosition: "1", HoldTime: "33" };
}

function channelFields(call: { uniqueId: string; linkedId?: string; callerNumber?: string }): Record<string, string> {
  return {
    Channel: "PJSIP/trunk-operadora-00000012",
    ChannelState: "6",
    ChannelStateDesc: "Up",
    CallerIDNum: call.callerNumber ?? "<unknown>",
    CallerIDName: "Ana Souza · 1234",
    ConnectedLineNum: "<unknown>",
    ConnectedLineName: "<unknown>",
    Language: "pt_BR",
    AccountCode: "",
    Context: "ext-queues",
    Exten: "400",
    Priority: "10",
    Uniqueid: call.uniqueId,
    Linkedid: call.linkedId ?? call.uniqueId,
  };
}

function destFields(member: { interface: string }): Record<string, string> {
  const ext = /\/(\d+)/.exec(member.interface)?.[1] ?? "";
  return {
    DestChannel: `PJSIP/${ext}-0000001f`,
    DestChannelState: "5",
    DestChannelStateDesc: "Ringing",
    DestCallerIDNum: ext,
    DestCallerIDName: "Técnico",
    DestConnectedLineNum: "",
    DestConnectedLineName: "",
    DestLanguage: "pt_BR",
    DestAccountCode: "",
    DestContext: "from-internal",
    DestExten: ext,
    DestPriority: "1",
    DestUniqueid: "1733050000.99",
    DestLinkedid: "1733050000.12",
  };
}

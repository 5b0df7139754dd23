import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

const FRAME_TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];

/** The type of each HTTP/2 frame in `bytes` (9-byte header: 24-bit length, type, flags, stream id). */
function frameTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) types.push(FRAME_TYPES[bytes[at + 3]!] ?? "unknown");
  return types;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer("sqlite", { HTTP2_PING_INTERVAL_MS: "200" });
});
afterAll(async () => {
  await server?.stop();
});

describe("HTTP/2 keep-alive pings from the server", () => {
  it("pings idle sessions and keeps those that answer", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      let pings = 0;
      session.on("ping", () => pings++);
      // Node's client acknowledges pings by itself, like every HTTP/2 client.
      await new Promise<void>((resolve, reject) => {
        session.on("ping", () => pings >= 3 && resolve());
        session.once("close", () => reject(new Error("the server dropped a session that answered its pings")));
        setTimeout(() => reject(new Error(`only ${pings} pings in 20 s`)), 20_000);
      });
      expect(session.closed || session.destroyed).toBe(false);
      // The session still serves requests after the pings.
      const stream = session.request({ ":path": "/health" });
      const [headers] = (await new Promise((resolve) => stream.once("response", (h) => resolve([h])))) as [http2.IncomingHttpHeaders];
      stream.resume();
      expect(headers[":status"]).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it("drops a session whose peer stops answering", async () => {
    const socket = net.connect(server.app.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    // Speak just enough HTTP/2 to open a session, then go silent: read the server's frames, acknowledge nothing.
    socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    await new Promise<void>((resolve, reject) => {
      socket.once("close", () => resolve());
      setTimeout(() => reject(new Error("the silent session was never dropped")), 20_000);
    });
    // What the server sent before giving up: its SETTINGS, then a PING that was never acknowledged.
    expect(frameTypes(received)).toContain("PING");
  });
});

/**
 * A byte-level TCP proxy in front of a JSON-RPC node, for the chaos run: the indexer talks to the node
 * through it, and `cut()` makes the endpoint disappear (the port stops listening, open connections are
 * reset: the client sees ECONNREFUSED / ECONNRESET, as when a node goes away) until `restore()`.
 */
import net from "node:net";

export interface RpcProxy {
  /** http://127.0.0.1:<port> of the proxy. */
  url: string;
  port: number;
  /** Whether the endpoint is cut. */
  readonly isCut: boolean;
  /** Connections accepted and forwarded so far. */
  readonly forwarded: number;
  /** Stops listening and resets every open connection. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<RpcProxy> {
  const sockets = new Set<net.Socket>();
  let cut = false;
  let forwarded = 0;

  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    forwarded++;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get isCut() {
      return cut;
    },
    get forwarded() {
      return forwarded;
    },
    async cut() {
      cut = true;
      await stopListening();
    },
    async restore() {
      // The port was ours a moment ago; another process taking it in between would be a test-machine accident.
      await listen(port);
      cut = false;
    },
    async close() {
      cut = true;
      await stopListening();
    },
  };
}

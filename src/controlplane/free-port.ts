import { createServer } from "node:net";

/** Ports this process handed out: the kernel may offer a just-released port again. */
const handedOut = new Set<number>();

/** Asks the kernel for a currently free TCP port on 127.0.0.1, never the same one twice per process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => {
          if (address && typeof address === "object") resolve(address.port);
          else reject(new Error("no port assigned"));
        });
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

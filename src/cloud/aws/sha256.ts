// SHA-256 and HMAC-SHA-256 from node's crypto in the shape @smithy/signature-v4 asks for (the
// SDK's own @smithy/hash-node is the same few lines and not a dependency of ours).
import { createHash, createHmac, type Hash as NodeHash, type Hmac } from "node:crypto";
import type { Checksum, SourceData } from "@smithy/types";

function bytes(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class Sha256 implements Checksum {
  private hash: NodeHash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): NodeHash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

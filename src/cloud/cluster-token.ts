// The one interface of every cloud's member-cluster credential, and the one renewal schedule.
// A ClusterTokenSource mints a bearer token for a member's API server; RenewingToken keeps one
// and renews it at 75 % of its life (EKS: 14-minute tokens, after 10.5; Google and Entra ID:
// one hour, after 45 minutes), keeping the current token while a renewal fails until it expires
// (retrying after a quarter of the time it has left, between 1 and 30 seconds, not on every request).

export interface ClusterToken {
  /** The bearer token (a credential: never log it). */
  token: string;
  expiresAt: Date;
}

export interface ClusterTokenSource {
  /** Safe to show: which cloud, cluster and identity (describeCredential). */
  readonly description: string;
  /** Mints a fresh token; errors carry no secret. */
  mint(): Promise<ClusterToken>;
}

/** Errors of the cloud token code: messages built from names, ARNs and provider error codes only. */
export class CloudTokenError extends Error {
  override name = "CloudTokenError";
}

/** Shortens anything that looks like key material in a provider's error message. */
export function safeMessage(message: string): string {
  const redacted = message.replace(/[A-Za-z0-9+/=_-]{40,}/g, "<redacted>");
  return redacted.length > 400 ? `${redacted.slice(0, 400)}...` : redacted;
}

const RENEW_AT = 0.75;

export class RenewingToken {
  private current: (ClusterToken & { renewAt: number }) | undefined;
  private minting: Promise<ClusterToken> | undefined;
  /** After a failed renewal: not before this. */
  private retryAt = 0;

  constructor(
    private readonly source: ClusterTokenSource,
    private readonly now: () => number = Date.now,
  ) {}

  get description(): string {
    return this.source.description;
  }

  /** When the current token should be renewed (undefined before the first): the client refreshes its headers then. */
  renewAt(): number | undefined {
    return this.current ? Math.max(this.current.renewAt, this.retryAt) : undefined;
  }

  /** A token that is valid now; renewed when due. */
  async token(): Promise<ClusterToken> {
    const now = this.now();
    const current = this.current;
    if (current && now < Math.max(current.renewAt, this.retryAt) && now < current.expiresAt.getTime()) return current;
    try {
      this.minting ??= this.source.mint().finally(() => (this.minting = undefined));
      const fresh = await this.minting;
      const issuedAt = this.now();
      const life = Math.max(0, fresh.expiresAt.getTime() - issuedAt);
      this.current = { ...fresh, renewAt: issuedAt + life * RENEW_AT };
      this.retryAt = 0;
      return fresh;
    } catch (error) {
      // A failed renewal keeps a token that still works, and tries again a little later.
      if (current && now < current.expiresAt.getTime()) {
        this.retryAt = now + Math.min(30_000, Math.max(1_000, (current.expiresAt.getTime() - now) / 4));
        return current;
      }
      throw error;
    }
  }
}

// While a member does not answer: ask its /version with backoff (250 ms doubling to 10 s) until it
// answers, then say so once. Any answer from the apiserver counts, a refusal (401, 403) included:
// the member is reachable, and what it refuses is reported elsewhere.
import { ApiError, type KubeClient } from "../kube/client.js";
import { isContactError } from "./member-status.js";

export class MemberProbe {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly client: () => KubeClient | undefined,
    private readonly answered: () => void,
  ) {}

  /** Starts probing unless a probe is already waiting. */
  schedule(): void {
    if (this.timer || this.stopped || !this.client()) return;
    const wait = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 6));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const client = this.client();
      if (this.stopped || !client) return;
      client
        .get("/version", { timeoutMs: 5_000 })
        .catch((error: Error) => (error instanceof ApiError && !isContactError(error) ? undefined : Promise.reject(error)))
        .then(() => {
          this.failures = 0;
          this.answered();
        })
        .catch(() => {
          this.failures++;
          this.schedule();
        });
    }, wait);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

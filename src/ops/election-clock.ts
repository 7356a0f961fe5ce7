// The clocks leader election reads. Expiry is measured on the monotonic one only (how long this
// replica has seen a Lease record unchanged), so replicas never compare their wall clocks; the
// wall time is only written into the Lease for people and other tools. Tests inject a skewed or
// hand-driven clock.

export interface ElectionClock {
  /** Milliseconds on a clock that never jumps (not comparable between processes). */
  monotonicMs(): number;
  /** The wall time written into the Lease as acquireTime and renewTime. */
  wallTime(): Date;
}

export const systemClock: ElectionClock = {
  monotonicMs: () => performance.now(),
  wallTime: () => new Date(),
};

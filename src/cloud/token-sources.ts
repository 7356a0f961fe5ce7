// The token source for a native credential. Each cloud's module (and its SDK) is loaded only when
// a registration uses that cloud: most hubs need one of them, many none.
import type { ClusterTokenSource } from "./cluster-token.js";
import type { NativeCredential } from "./native-credential.js";

export async function tokenSourceFor(credential: NativeCredential): Promise<ClusterTokenSource> {
  switch (credential.cloud) {
    case "eks":
      return new (await import("./aws/eks-token.js")).EksTokenSource(credential);
    case "gke":
      return new (await import("./google/gke-token.js")).GkeTokenSource(credential);
    case "aks":
      return new (await import("./azure/aks-token.js")).AksTokenSource(credential);
  }
}

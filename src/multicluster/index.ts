// Multi-cluster: a hub pushes to member clusters (the seed secret-replicator-eks's master
// operator); each member's own Ferry fans what arrives in its namespace out (the agent). See
// docs/multicluster.md.
export { startHub, type Hub, type HubOptions } from "./hub.js";
export { MemberMetrics } from "./metrics.js";
export { CLUSTER_LABEL, MEMBER_LABEL, MEMBER_NAMESPACE_ANNOTATION, parseRegistration, type Registration } from "./registration.js";
export { hubRules, rulesForMember, type HubRules } from "./rules.js";
export { MEMBERS_CONFIGMAP, formatMemberStatus, readMemberStatus, type MemberStatus } from "./status.js";
